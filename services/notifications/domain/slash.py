"""The `/goals` slash command's words: parsing, finding the goal meant, and the replies."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from services.notifications.domain.checkin_form import (
    NotANumber,
    OutOfRange,
    read_number,
    too_long,
)
from services.notifications.domain.messages import (
    HEALTH,
    entities,
    escape,
    health_label,
    progress_bar,
    team_tag,
)
from services.notifications.domain.replicas import GoalReplica
from shared.goal_statuses import status_in_words
from shared.storable import unstorable

HELP = "\n".join([
    "*Goalkeeper* — what `/goals` can do:",
    "• `/goals checkin <goal> <value> [note]` (or `check-in`) — log progress; <goal> is the "
    "short id shown by "
    "`/goals goals`, or a word from its title (quote titles with spaces); <value> is the "
    "goal's figure now, not what you added (45 if it was 40 and you added 5); on a goal without "
    "a metric, `/goals checkin <goal> <note>`",
    "• `/goals goals` — the open goals you can check in on (yours and your team's team "
    "goals), with their short ids",
    "• `/goals status` — how your goals are doing",
    "• `/goals help` — this message",
])
ALIASES = {"check-in": "checkin"}  # other spellings of a subcommand, as the help names them
LISTED_GOALS = 40  # `/goals goals` lists this many, then says how many more
TYPED_SHOWN = 40  # characters of what the member typed that a refusal quotes back
CHECKIN_USAGE = ("Usage: `/goals checkin <goal> <value> [note]`, <value> being the goal's "
                 "figure now, not what you added, e.g. `/goals checkin 1a2b3c4d 12 ran 5k`.")
NO_TEAMS: Mapping[str, str] = MappingProxyType({})  # goals of one team: no team names
RESPONSE_URL_LIFE = timedelta(minutes=30)  # Slack takes answers at a response_url this long
ANSWER_LEEWAY = timedelta(minutes=1)  # for the deliverer to post an answer once it is made
SLACK_ERROR_LENGTH = 512  # Slack's error answers are short: a longer body is read as no error
URL_SPENT = ("expired_url", "used_url")  # Slack's answer at a response_url past its life or uses
NOTE_USAGE = ("Usage on a goal without a metric: `/goals checkin <goal> <note>`, "
              "e.g. `/goals checkin 1a2b3c4d finished chapter 3`.")


class SlackRequest:
    """A check-in asked for from Slack: with the slash command, answered later through
    `response_url`; or with the check-in modal (no `response_url`), whose refusal is DMed."""

    def __init__(self, request_id: str, team_id: str, member_id: str, goal_id: str,
                 response_url: str, created_at: datetime):
        self.request_id = request_id
        self.team_id = team_id
        self.member_id = member_id
        self.goal_id = goal_id
        self.response_url = response_url
        self.created_at = created_at
        self.answered_at: datetime | None = None
        self.rejection: str | None = None  # why checkins refused it
        self.answer: str | None = None  # the slash command's answer as made (`Answer.dumps`)
        self.dmed_at: datetime | None = None  # when its answer was queued as a DM instead

    @property
    def from_modal(self) -> bool:
        return not self.response_url

    def url_takes_answers(self, now: datetime) -> bool:
        """Whether an answer made `now` still reaches the member at `response_url`: Slack
        takes answers there for `RESPONSE_URL_LIFE` from the command, and the deliverer needs
        `ANSWER_LEEWAY` to post one."""
        return now < self.created_at + RESPONSE_URL_LIFE - ANSWER_LEEWAY

    def rejected(self, reason: str, at: datetime) -> bool:
        """Record checkins' refusal; True the first time only (a redelivery tells no one)."""
        if self.answered_at is not None:
            return False
        self.answered_at, self.rejection = at, reason
        return True


@dataclass(frozen=True)
class Answer:
    """What the answer to a slash command says, kept (`dumps`) rather than its words so that
    it is worded when it is sent, naming its goal only while its member may still see it:
    `logged` with the check-in's `value` and the goal's `progress` after it (None unknown),
    `refused` with checkins' `reason`; or `said`, the `words` of an answer made by the code
    before it was kept so (a request answered before the upgrade, or by a worker still on the
    code before while the services are upgraded one by one), sent as they are."""

    kind: str  # logged | refused | said
    value: float | None = None
    progress: float | None = None
    reason: str | None = None
    words: str | None = None

    @classmethod
    def logged(cls, value: float | None, progress: float | None) -> Answer:
        return cls("logged", value=value, progress=progress)

    @classmethod
    def refused(cls, reason: str) -> Answer:
        return cls("refused", reason=reason)

    @classmethod
    def said(cls, words: str) -> Answer:
        return cls("said", words=words)

    def dumps(self) -> str:
        return json.dumps({"kind": self.kind, "value": self.value, "progress": self.progress,
                           "reason": self.reason, "words": self.words})

    @classmethod
    def loads(cls, text: str) -> Answer:
        """The answer `dumps` kept; words the code before kept instead (not such JSON) are
        what it `said`."""
        try:
            d = json.loads(text)
            return cls(d["kind"], d.get("value"), d.get("progress"), d.get("reason"),
                       d.get("words"))
        except (ValueError, TypeError, KeyError, IndexError):
            return cls.said(text)


def url_spent(answer: str) -> bool:
    """Whether Slack's `answer` at a response_url says it takes no more answers (expired, or
    used its five times), as plain text (`expired_url`) or as a Web API error
    (`{"ok": false, "error": "expired_url"}`): the answer then goes by DM."""
    text = answer.strip()
    if text.startswith("{") and len(text) <= SLACK_ERROR_LENGTH:
        with contextlib.suppress(ValueError, RecursionError):
            said = json.loads(text)
            text = said.get("error", "") if isinstance(said, dict) else ""
    return isinstance(text, str) and text in URL_SPENT


class SlashError(Exception):
    """Something to tell the user, ephemerally; never an error page."""


@dataclass(frozen=True)
class CheckinRequest:
    goal: GoalReplica
    value: float | None  # None on a goal without a metric: the note is its check-in
    note: str


# Phones and some keyboards type curly quotes and no-break spaces: for the words they are plain
# quotes and spaces (one character for one, so the rest of the text keeps its offsets).
TYPOGRAPHIC = str.maketrans({**dict.fromkeys("“”„‟″", '"'), **dict.fromkeys("‘’‚‛′", "'"),
                             **dict.fromkeys("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004"
                                             "\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
                                             "\u205f\u3000", " ")})


def words(text: str, leading: int) -> tuple[list[str], str]:
    """The first `leading` words of `text` (quotes group words, as in a shell, curly ones too)
    and the rest as typed: a note keeps its apostrophes, quotes and `#`s."""
    lexer = shlex.shlex(text.translate(TYPOGRAPHIC), posix=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    found: list[str] = []
    try:
        while len(found) < leading and (word := lexer.get_token()) is not None:
            found.append(word)
    except ValueError:  # an unbalanced quote among them: plain words
        parts = text.split(maxsplit=leading)
        return parts[:leading], " ".join(parts[leading:])
    return found, text[lexer.instream.tell():].strip()


def subcommand(text: str) -> str:
    """The subcommand `text` starts with, in any case, an alias read as what it stands for;
    `help` when there is none."""
    args, _ = words(text, 1)
    verb = args[0].lower() if args else "help"
    return ALIASES.get(verb, verb)


def unreadable(sent: dict[str, str]) -> str | None:
    """The refusal of a command whose fields from Slack (`sent`, by Slack's names; not the
    member's text, whose words `parse_checkin` checks) hold text no database can store, or
    None when every one can be stored."""
    for name, value in sent.items():
        if reason := unstorable(value):
            return (f"The {name} Slack sent with this command {reason[0].lower()}{reason[1:]} "
                    "Nothing was done.")
    return None


def parse_checkin(text: str, goals: list[GoalReplica],
                  teams: Mapping[str, str] = NO_TEAMS) -> CheckinRequest:
    """`/goals checkin`'s `text` (the verb included): the goal among `goals` (`find_goal`,
    naming the goals it names with their teams from `teams`),
    then on a goal with a metric its value and an optional note, on one without a note alone
    (checkins takes no value on it). The note is the rest as typed, without quotes around the
    whole of it."""
    args, rest = words(text, 2)
    if len(args) < 2:
        raise SlashError(CHECKIN_USAGE)
    _refuse_unstorable("goal", args[1], CHECKIN_USAGE)
    goal = find_goal(goals, args[1], teams)
    if not goal.has_metric:
        return CheckinRequest(goal, None, _note_of(goal, rest, teams.get(goal.team_id)))
    given, note = words(rest, 1)
    if not given:
        raise SlashError(CHECKIN_USAGE)
    try:
        value = _read_value(given[0], goal.unit)
    except NotANumber as exc:
        raise SlashError(f"{typed(given[0])} {exc.reason}. {CHECKIN_USAGE}") from exc
    return CheckinRequest(goal, value, _checked_note(_after_unit(note, goal.unit),
                                                     CHECKIN_USAGE))


def _unit_pattern(unit: str) -> str:
    """The goal's `unit` as a member may type it: case and spacing set aside, as the goal
    writes it or with its plural `s` added or taken away."""
    written = folded(unit)
    forms = {written, written + "s", written.removesuffix("s") or written}
    return "|".join(r"\s+".join(map(re.escape, form.split())) for form in forms)


def _after_unit(note: str, unit: str) -> str:
    """The note after the value, without the goal's `unit` when the member typed it first
    (`12 km long run`: the note is `long run`), matched as a whole word (`_unit_pattern`)."""
    typed_unit = re.match(rf"(?:{_unit_pattern(unit)})(?=\s|$)", note.translate(TYPOGRAPHIC),
                          re.I)
    return note[typed_unit.end():].strip() if typed_unit else note


def _read_value(value: str, unit: str) -> float:
    """The value as typed, read once; one that is no number as typed is read again without the
    goal's `unit` written straight after it (`50%` on a goal in %, `5km`), as `5 km` is read. A
    value that reads as a number as typed is that number (`12` on a goal whose unit is "2" is
    12, not 1), and one too large for a figure is refused as it is."""
    try:
        return read_number(value)
    except OutOfRange:
        raise
    except NotANumber:
        attached = unit.strip() and re.fullmatch(
            rf"(.*\d)(?:{_unit_pattern(unit)})", value.translate(TYPOGRAPHIC), re.I)
        if not attached:
            raise
    return read_number(attached.group(1))


def _note_of(goal: GoalReplica, note: str, team: str | None) -> str:
    """The note that is the check-in on `goal`, which has no metric: required, and not a bare
    number (a value meant for a metric it does not have). A refusal names the goal with its
    `team` (`team_tag`)."""
    named = f"*{escape(goal.title)}*{team_tag(team)}"
    if not note.strip():
        raise SlashError(f"{named} has no metric: say what you did. {NOTE_USAGE}")
    try:
        read_number(note)
    except OutOfRange:
        pass  # a number all the same, too large to be one: a value, refused below
    except NotANumber:
        return _checked_note(note, NOTE_USAGE)
    raise SlashError(f"{named} has no metric, so it takes no value: say what you did "
                     f"instead. Nothing was logged. {NOTE_USAGE}")


def _checked_note(note: str, usage: str) -> str:
    _refuse_unstorable("note", note, usage)
    ends = note[:1].translate(TYPOGRAPHIC) + note[-1:].translate(TYPOGRAPHIC)
    if len(note) >= 2 and ends in ("''", '""'):  # a note quoted whole
        note = note[1:-1]
    if reason := too_long(note):
        raise SlashError(f"{reason} Nothing was logged. {usage}")
    return note


def _refuse_unstorable(what: str, text: str, usage: str) -> None:
    if reason := unstorable(text):
        raise SlashError(f"The {what} {reason[0].lower()}{reason[1:]} Nothing was logged; "
                         f"type it again without it. {usage}")


def find_goal(goals: list[GoalReplica], ref: str,
              teams: Mapping[str, str] = NO_TEAMS) -> GoalReplica:
    """The one open goal among `goals` (those the member may check in on) that `ref` names:
    its id, a unique id prefix, or a unique title match. When it names no open one but one
    of theirs that is not open (achieved, closed, a draft), the refusal says so. A refusal
    names each goal it names with its team from `teams`."""
    needle = folded(ref)
    matches = _named([g for g in goals if g.is_open], needle)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        options = ", ".join(f"`{g.short_ref}` {escape(g.title)}{team_tag(teams.get(g.team_id))}"
                            for g in matches[:10])
        raise SlashError(f"{typed(ref)} matches several goals: {options}. Use the short id.")
    not_open = _named([g for g in goals if not g.is_open], needle)
    if len(not_open) == 1:
        closed = not_open[0]
        raise SlashError(f"*{escape(closed.title)}*{team_tag(teams.get(closed.team_id))} is "
                         f"{status_in_words(closed.status)}, so it takes no check-ins. "
                         "Try `/goals goals` to see the ones that do.")
    raise SlashError(f"I can't find an open goal you can check in on matching "
                     f"{typed(ref)}. Try `/goals goals` to see them with their short ids.")


def _named(goals: list[GoalReplica], needle: str) -> list[GoalReplica]:
    """The `goals` the folded `needle` names, by the first rule that names any: the id, an id
    prefix of 4 or more characters, the whole title, a part of the title."""
    for matches in (
        [g for g in goals if g.goal_id == needle],
        [g for g in goals if len(needle) >= 4 and g.goal_id.startswith(needle)],
        [g for g in goals if folded(g.title) == needle],
        [g for g in goals if needle and needle in folded(g.title)],
    ):
        if matches:
            return matches
    return []


def typed(text: str) -> str:
    """What the member typed, quoted back as code: its first `TYPED_SHOWN` characters, then
    `…` when there were more. In code no `*`, `_` or `~` formats, so only Slack's entities
    are escaped (`entities`; `escape`'s date fallbacks are for text outside code)."""
    shown = text[:TYPED_SHOWN] + ("…" if len(text) > TYPED_SHOWN else "")
    return f"`{entities(shown)}`"


def folded(text: str) -> str:
    """`text` as titles are compared: case, curly quotes and spacing set aside."""
    return " ".join(text.translate(TYPOGRAPHIC).lower().split())


def goal_line(goal: GoalReplica, teams: Mapping[str, str] = NO_TEAMS) -> str:
    return (f"`{goal.short_ref}` *{escape(goal.title)}*{team_tag(teams.get(goal.team_id))} — "
            f"{progress_bar(goal.progress)} {health_label(goal.health or 'not_started')}")


def goals_text(goals: list[GoalReplica], teams: Mapping[str, str] = NO_TEAMS) -> str:
    """The open `goals`, each with its team's name from `teams`: given where they are of
    several teams (a person in two may have "Run 100 km" in each), empty where of one."""
    open_goals = [g for g in goals if g.is_open]
    if not open_goals:
        return ("You have no open goals to check in on. Create one in Goalkeeper, "
                "then check in with `/goals checkin`.")
    lines = [goal_line(g, teams) + (" · team goal" if g.kind == "team" else "")
             for g in open_goals[:LISTED_GOALS]]
    if len(open_goals) > LISTED_GOALS:
        lines.append(f"…and {len(open_goals) - LISTED_GOALS} more: see them all in Goalkeeper.")
    return "*Open goals you can check in on:*\n" + "\n".join(lines)


def status_text(goals: list[GoalReplica], teams: Mapping[str, str] = NO_TEAMS) -> str:
    open_goals = [g for g in goals if g.is_open]
    if not open_goals:
        return "You have no open goals right now."
    counts = Counter(g.health or "not_started" for g in open_goals)
    summary = ", ".join(f"{HEALTH[h][0]} {counts[h]} {HEALTH[h][1].lower()}" for h in HEALTH
                        if counts[h])
    worrying = [goal_line(g, teams) for g in open_goals
                if g.health in ("at_risk", "off_track", "overdue")]
    tail = "\n*Needs attention:*\n" + "\n".join(worrying) if worrying else "\nAll on course. 👏"
    count = len(open_goals)
    return f"*{count} open goal{'s' if count != 1 else ''}:* {summary}{tail}"


def ephemeral(text: str) -> dict:
    return {"response_type": "ephemeral", "text": text}
