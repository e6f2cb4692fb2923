"""Who may see and change what: leads manage their team's channels, log and digest."""

from __future__ import annotations

from shared.auth import Principal
from shared.domain import Forbidden, NotFound


def ensure_lead(actor: Principal, team_id: str) -> None:
    """A lead of `team_id`; another team's member gets 404, as if the team did not exist."""
    if actor.team_id != str(team_id):
        raise NotFound(f"team {team_id} not found")
    if not actor.is_lead:
        raise Forbidden("only a team lead may do this")
