"""Who may do what to a goal, by the services' rules, so a page offers only what they take."""

from __future__ import annotations

from shared.goal_statuses import CLOSED, FINAL, status_in_words


def may_check_in(goal: dict, member_id: str) -> bool:
    """The owner checks in on a personal goal; anyone who sees a team goal checks in on it
    (the checkins service's rule)."""
    return goal.get("owner_id") == member_id or goal.get("kind") == "team"


def may_change(goal: dict, member_id: str, is_lead: bool) -> bool:
    """Its owner or a lead changes a goal, and moves it on (the goals service's rule)."""
    return goal.get("owner_id") == member_id or is_lead


MOVES = {"draft": ("activate", "close"), "active": ("achieve", "close"),
         **{status: ("reopen",) for status in FINAL}}


def may_plan(goal: dict, member_id: str, is_lead: bool) -> bool:
    """Whether the member may add, complete or reopen the goal's milestones: as `may_change`,
    on a goal not closed (the goals service keeps a closed goal's plan until it is reopened)."""
    return may_change(goal, member_id, is_lead) and goal.get("status") not in CLOSED


def may_change_metric(goal: dict, member_id: str, is_lead: bool) -> bool:
    """Whether the member may change the goal's metric (its target): as `may_change`, on a goal
    neither closed nor achieved (the goals service keeps its metric until it is reopened)."""
    return may_change(goal, member_id, is_lead) and goal.get("status") not in FINAL


def metric_kept(goal: dict) -> str | None:
    """Why a metric goal's target is not offered for editing, in the goals service's words;
    None when it may change (or the goal has no metric)."""
    if not goal.get("metric") or goal.get("status") not in FINAL:
        return None
    return f"this goal is {status_in_words(goal['status'])}; reopen it before changing its target"


def moves(goal: dict, member_id: str, is_lead: bool) -> tuple[str, ...]:
    """The lifecycle moves the goals service takes from this member on this goal: a draft is
    activated or closed, an active goal achieved or closed, a closed or achieved one reopened;
    none for someone who may not change it."""
    if not may_change(goal, member_id, is_lead):
        return ()
    return MOVES.get(goal.get("status", ""), ())


WHO_MAY_CHANGE = "only the goal's owner or a lead may change it"
MOVED_FROM = {"activate": ("a draft goal", "activated"),
              "achieve": ("an active goal", "achieved"),
              "close": ("a draft or active goal", "closed"),
              "reopen": ("a closed or achieved goal", "reopened")}


def why_not(goal: dict, member_id: str, is_lead: bool, move: str) -> str | None:
    """Why the goals service would refuse this member's `move` on this goal, in its words;
    None when it takes it (see `moves`)."""
    if move in moves(goal, member_id, is_lead):
        return None
    if not may_change(goal, member_id, is_lead):
        return WHO_MAY_CHANGE
    whose, moved = MOVED_FROM[move]
    return f"only {whose} can be {moved}; this one is {status_in_words(goal.get('status', ''))}"
