"""SMART assessment of a goal or draft: a verdict and a concrete hint per criterion.

Achievable compares the pace the goal needs (share of the goal per week, from what remains and
the weeks left) with the pace the owner has shown on past goals, else the team's. It is flagged
when the need is more than `MAX_PACE_FACTOR` times what was shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from services.goals.domain.goal import Goal
from services.goals.domain.metric import Metric
from services.goals.domain.pace import local_date
from shared.domain import Unprocessable
from shared.numbers import figure

CRITERIA = ("specific", "measurable", "achievable", "relevant", "time_bound")
MAX_PACE_FACTOR = 2.0
MIN_WORDS = 3
ASSESSMENTS_KEPT = 2048  # about 3.5 MB of drafts and verdicts (tracemalloc)
COMPARATIVES = {"improve", "improving", "better", "more", "increase", "grow", "boost",
                "enhance", "reduce", "less", "fewer", "optimise", "optimize"}
FILLER = {"get", "be", "do", "make", "things", "stuff", "somehow", "good", "best", "well",
          "harder", "on", "at", "my", "the", "a", "an", "to", "of", "in", "and", "i", "we",
          "our", "some", "much", "lot", "lots", "really", "very", "it", "overall", "general",
          "generally", "everything", "all", "just", "way", "ways", "bit"}
SPACELESS_SCRIPTS = ("CJK ", "IDEOGRAPHIC ", "HIRAGANA ", "KATAKANA", "HALFWIDTH KATAKANA",
                     "THAI ", "LAO ", "KHMER ", "MYANMAR ")  # written without spaces between words
CHARACTERS_A_WORD = 2  # in those scripts, about two characters make a word
CRITERION_FIELDS = {"specific": "title", "measurable": "metric", "achievable": "due_date",
                    "relevant": "why", "time_bound": "due_date"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    hint: str


@dataclass(frozen=True)
class Draft:
    title: str
    start_date: date
    due_date: date | None
    description: str = ""
    why: str = ""
    parent_id: str | None = None
    metric: Metric | None = None
    milestones: int = 0
    progress: float = 0.0
    start_note: str = ""  # where a start the draft did not give came from, see `ensure_window`


@dataclass(frozen=True)
class TrackRecord:
    """Share of a goal per week shown on past goals, and whose record it is."""

    rate_per_week: float | None = None
    source: str = "owner"  # owner | team


def assess(draft: Draft, record: TrackRecord, today: date) -> dict[str, Verdict]:
    """The verdict per criterion. Assessments are kept per process for equal inputs (a page
    of goals is mostly read again unchanged): every input is the key, so a kept one is never
    stale, and each caller gets a dict of its own."""
    return dict(_assessed(draft, record, today))


@lru_cache(maxsize=ASSESSMENTS_KEPT)
def _assessed(draft: Draft, record: TrackRecord, today: date) -> tuple[tuple[str, Verdict], ...]:
    return (
        ("specific", specific(draft)),
        ("measurable", measurable(draft)),
        ("achievable", achievable(draft, record, today)),
        ("relevant", relevant(draft)),
        ("time_bound", time_bound(draft)),
    )


def assess_goal(goal: Goal, record: TrackRecord, now: datetime) -> dict[str, Verdict]:
    """The verdicts of a goal (or a page's row of one) at `now`, judged on the day it is in the
    goal's time zone, where its window opens and closes (see pace.Window)."""
    return assess(draft_of(goal), record, local_date(now, goal.timezone))


def draft_of(goal: Goal) -> Draft:
    return Draft(goal.title, goal.start_date, goal.due_date, goal.description, goal.why,
                 goal.parent_id, goal.metric, len(goal.active_pathway.milestones), goal.progress)


def is_smart(verdicts: dict[str, Verdict]) -> bool:
    return all(v.ok for v in verdicts.values())


def require_smart(verdicts: dict[str, Verdict]) -> None:
    """Refuse (422) naming, per field, the hints of every criterion the goal fails."""
    if is_smart(verdicts):
        return
    errors: dict[str, list[str]] = {}
    for criterion, verdict in verdicts.items():
        if not verdict.ok:
            errors.setdefault(CRITERION_FIELDS[criterion], []).append(
                f"{criterion}: {verdict.hint}")
    raise Unprocessable("this team requires SMART goals: " + ", ".join(
        c for c, v in verdicts.items() if not v.ok), errors=errors)


def answered_by_edit(before: dict[str, Verdict], after: dict[str, Verdict],
                     changed: Iterable[str]) -> dict[str, Verdict]:
    """The verdicts after an edit that set the `changed` fields which that edit answers for:
    each criterion it turned from passing to failing, and the criterion of each field it set
    (`CRITERION_FIELDS`: a new title must be specific, a new metric measurable, a new due date
    achievable and time-bound). A criterion the goal already failed, on a field the edit left
    alone, is not the edit's to answer for: a goal made before its team required SMART goals
    keeps its description editable. An edit that changes nothing answers for nothing."""
    changed = set(changed)
    return {criterion: verdict for criterion, verdict in after.items()
            if before[criterion].ok or CRITERION_FIELDS[criterion] in changed}


def words_of(title: str) -> list[str]:
    """The casefolded words of a title in any script: runs of letters, digits (with their
    combining marks) and apostrophes. Scripts written without spaces (Chinese, Japanese, Thai,
    Lao, Khmer, Burmese) count a word per `CHARACTERS_A_WORD` characters of a run."""
    runs: list[tuple[bool, list[str]]] = []  # (spaceless, characters with their marks)
    separated = True
    for char in unicodedata.normalize("NFKC", title).casefold():
        category = unicodedata.category(char)[0]
        if category == "M" and not separated:
            runs[-1][1][-1] += char
        elif category in "LN" or char in "'’":
            spaceless = unicodedata.name(char, "").startswith(SPACELESS_SCRIPTS)
            if separated or runs[-1][0] != spaceless:
                runs.append((spaceless, []))
            runs[-1][1].append(char)
            separated = False
        else:
            separated = True
    words = []
    for spaceless, chars in runs:
        step = CHARACTERS_A_WORD if spaceless else len(chars)
        words += ["".join(chars[i:i + step]) for i in range(0, len(chars), step)]
    return words


def specific(draft: Draft) -> Verdict:
    words = words_of(draft.title)
    if len(words) < MIN_WORDS:
        return Verdict(False, f"Too short: use at least {MIN_WORDS} words saying what will be "
                              "true when you are done, e.g. 'Close 20 support tickets'.")
    if all(w in COMPARATIVES or w in FILLER for w in words):
        return Verdict(False, f"'{draft.title}' names no object: improve what? Name the "
                              "concrete outcome, e.g. 'Ship the onboarding checklist'.")
    vague = next((w for w in words if w in COMPARATIVES), None)
    has_number = re.search(r"\d", f"{draft.title} {draft.description}") is not None
    if vague and not has_number and draft.metric is None:
        return Verdict(False, f"Says '{vague}' but not by how much: put a number in the title "
                              "or add a metric with a target.")
    return Verdict(True, "Names a concrete outcome.")


def measurable(draft: Draft) -> Verdict:
    if draft.metric is not None and draft.metric.target != draft.metric.start:
        return Verdict(True, f"Measured in {draft.metric.unit}: {figure(draft.metric.start)} to "
                             f"{figure(draft.metric.target)}.")
    if draft.metric is not None:
        return Verdict(False, "The metric's target equals its start: set the value you aim for.")
    if draft.milestones:
        return Verdict(True, f"Measured by {draft.milestones} milestone(s) done.")
    return Verdict(False, "Add a metric (unit, start, target) or at least one milestone.")


def relevant(draft: Draft) -> Verdict:
    if draft.parent_id:
        return Verdict(True, "Aligned to a team goal.")
    if draft.why.strip():
        return Verdict(True, "States why it matters.")
    return Verdict(False, "Say why this matters (why), or align it to a team goal (parent_id).")


def time_bound(draft: Draft) -> Verdict:
    if draft.due_date is None:
        return Verdict(False, "Add a due date.")
    if draft.due_date <= draft.start_date:
        return Verdict(False, f"The due date must be after the start date, "
                              f"{draft.start_date.isoformat()}{draft.start_note}.")
    days = (draft.due_date - draft.start_date).days
    return Verdict(True, f"Due {draft.due_date.isoformat()}, {days} days after the start.")


def achievable(draft: Draft, record: TrackRecord, today: date) -> Verdict:
    if draft.due_date is None or draft.due_date <= draft.start_date:
        return Verdict(True, "Cannot judge the pace without a valid time window.")
    weeks_left = ((draft.due_date - max(today, draft.start_date)).days + 1) / 7
    if weeks_left <= 0:
        return Verdict(False, "The due date has passed: no time is left to do the rest.")
    required = max(0.0, 1.0 - draft.progress) / weeks_left
    need = _need_text(draft, required, weeks_left)
    if record.rate_per_week is None:
        return Verdict(True, f"Needs {need}; no track record yet to compare with.")
    shown = record.rate_per_week
    whose = "you have" if record.source == "owner" else "your team has"
    if shown <= 0:
        return Verdict(False, f"Needs {need}, but {whose} shown no measurable progress on past "
                              "goals: start smaller or allow more time.")
    factor = required / shown
    if factor > MAX_PACE_FACTOR:
        return Verdict(False, f"Needs {need}, {factor:.1f}x the {shown:.0%} a week {whose} shown "
                              "on past goals: move the due date or lower the target.")
    return Verdict(True, f"Needs {need}, within reach of the {shown:.0%} a week {whose} shown.")


def _need_text(draft: Draft, required: float, weeks_left: float) -> str:
    share = f"{required:.0%} of the goal a week"
    if draft.metric is not None and not draft.metric.reached:
        per_week = draft.metric.remaining / weeks_left
        return f"{per_week:.1f} {draft.metric.unit} a week ({share})"
    return share
