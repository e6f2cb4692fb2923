"""The team board: the team's goals grouped by health, refreshed by htmx polling."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from markupsafe import Markup

from services.web.adapters.api_client import Unavailable
from services.web.domain.board import FILTERS, STATUSES, board, empty_note, partner_ids_of
from services.web.domain.pace_chart import stamp
from services.web.domain.partnering import ACTIVE
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import board as page


@page.get("/")
def home():
    return redirect(url_for("board.show") if http.current_member() else
                    url_for("auth.sign_in_form"))


@page.get("/board")
@http.member_required
def show():
    """The board; to its refresh (htmx, every WEB_BOARD_POLL_SECONDS), the groups again, or
    nothing (204) while they are as the page drew them (`drawn`, sent back from the page)."""
    me = http.current_member()
    show = request.args.get("show", "team")
    show = show if show in FILTERS else "team"
    api = http.api()
    owner = {"owner_id": me.id} if show == "mine" else {}
    goals, partnerships, due = api.together(
        lambda: api.goals(status=list(STATUSES[show]), **owner),
        lambda: api.partnerships(me.team_id, ACTIVE) if show == "partners" else [],
        lambda: api.due(me.team_id, **owner) if show != "closed" else [])
    partner_ids = partner_ids_of(partnerships or [], me.id)
    context = {
        "show": show,
        "goals_down": isinstance(goals, Unavailable),
        "cut": getattr(goals, "cut", False),
        "groups": [] if isinstance(goals, Unavailable) else board(
            goals, show=show, me=me.id, partner_ids=partner_ids),
        "empty": empty_note(show, partner_ids),
        "names": api.names(me.team_id, {g["owner_id"] for g in goals or []}),
        "partners_down": isinstance(partnerships, Unavailable),
        "due": {d["goal_id"]: d for d in due or []},
        "due_cut": getattr(due, "cut", False),
        "poll_seconds": http.container().settings.poll_seconds,
    }
    part = Markup(render_template("board/_groups.html", **context))
    drawn = stamp([part])
    if not http.is_htmx():
        return render_template("board/index.html", filters=FILTERS, part=part, drawn=drawn,
                               **context)
    if request.args.get("drawn") == drawn:  # as the page shows it: htmx keeps it (and its
        return "", 204                      # live region is not read out again)
    return render_template("board/_refreshed.html", part=part, drawn=drawn)

