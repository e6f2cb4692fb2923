"""Who may do what to a goal, by the services' rules, so a page offers only what they take."""

from __future__ import annotations


def may_check_in(goal: dict, member_id: str) -> bool:
    """The owner checks in on a personal goal; anyone who sees a team goal checks in on it
    (the checkins service's rule)."""
    return goal.get("owner_id") == member_id or goal.get("kind") == "team"


def may_change(goal: dict, member_id: str, is_lead: bool) -> bool:
    """Its owner or a lead changes a goal, and moves it on (the goals service's rule)."""
    return goal.get("owner_id") == member_id or is_lead
