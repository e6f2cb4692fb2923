"""Who may check in on a goal: the checkins service's rule, so a page offers the form only to
those it would take a check-in from."""

from __future__ import annotations


def may_check_in(goal: dict, member_id: str) -> bool:
    """The owner checks in on a personal goal; anyone who sees a team goal checks in on it."""
    return goal.get("owner_id") == member_id or goal.get("kind") == "team"
