"""The team board: the goals a filter keeps, grouped by health, with their owners' names and
next check-ins, and the stamp of what it is drawn from, which the board's refresh sends back."""

from __future__ import annotations

from services.web.adapters.api_client import MemberApi, Unavailable
from services.web.domain.board import STATUSES, board, drawn_from, empty_note, partner_ids_of
from services.web.domain.partnering import ACTIVE


def team_board(api: MemberApi, me: str, team_id: str, show: str, zone: str) -> dict:
    """The board of member `me` under filter `show` (one of `domain.board.FILTERS`), whose
    times are shown in `zone`: its groups, what it says while empty or while a service does
    not answer, and `drawn`, the stamp of the goals, partnerships, next check-ins and names it
    is drawn from (`domain.board.drawn_from`)."""
    owner = {"owner_id": me} if show == "mine" else {}
    goals, partnerships, due = api.together(
        lambda: api.goals(status=list(STATUSES[show]), **owner),
        lambda: api.partnerships(team_id, ACTIVE) if show == "partners" else [],
        lambda: api.due(team_id, **owner) if show != "closed" else [])
    goals_down = isinstance(goals, Unavailable)
    due_down = isinstance(due, Unavailable)
    partners_down = isinstance(partnerships, Unavailable)
    partner_ids = partner_ids_of(partnerships or [], me)
    names = api.names(team_id, {g["owner_id"] for g in goals or []})
    due = due or []
    return {
        "show": show,
        "goals_down": goals_down,
        "due_down": due_down,
        "cut": getattr(goals, "cut", False),
        "groups": [] if goals_down else board(goals, show=show, me=me, partner_ids=partner_ids),
        "empty": empty_note(show, partner_ids),
        "names": names,
        "partners_down": partners_down,
        "due": {d["goal_id"]: d for d in due},
        "due_cut": getattr(due, "cut", False),
        "drawn": drawn_from(show, None if goals_down else goals, partner_ids, partners_down,
                            None if due_down else due, names, zone),
    }


def board_unless_drawn(api: MemberApi, me: str, team_id: str, show: str, zone: str,
                       drawn: str | None) -> dict | None:
    """The board again, for its refresh; None while what it is drawn from is still as `drawn`
    says. Every call the board makes feeds something it shows (a teammate's check-in moves
    only the next check-ins, a partner's answer only the partnerships), so all are made; what
    an unchanged board saves is drawing its groups again."""
    again = team_board(api, me, team_id, show, zone)
    return None if again["drawn"] == drawn else again
