"""Who sees a goal: the whole team, or for a private goal its owner, their partners and leads."""

from __future__ import annotations

from services.checkins.domain.replicas import GoalView


def may_see(goal: GoalView, viewer_id: str, viewer_is_lead: bool, owner_partners: set[str]) -> bool:
    """A team goal is seen by the team; a private one by its owner, their partners and leads."""
    if not goal.is_private:
        return True
    return viewer_is_lead or viewer_id == goal.owner_id or viewer_id in owner_partners
