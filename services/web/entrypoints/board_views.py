"""The team board: the team's goals grouped by health, refreshed by htmx polling."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.web.domain.board import FILTERS
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import board as page
from services.web.service_layer import board_handlers


@page.get("/")
def home():
    return redirect(url_for("board.show") if http.current_member() else
                    url_for("auth.sign_in_form"))


@page.get("/board")
@http.member_required
def show():
    """The board; to its refresh (htmx, every WEB_BOARD_POLL_SECONDS), the groups again, or
    nothing (204) while what they are drawn from is as the page drew them (`drawn`, sent back
    from the page: `board_handlers.board_unless_drawn`), or, while goals or checkins (the next
    check-ins) does not answer, the board kept as drawn and its status line saying so
    (`board/_not_refreshed.html`)."""
    me = http.current_member()
    show = request.args.get("show", "team")
    show = show if show in FILTERS else "team"
    asked = (http.api(), me.id, me.team_id, show, me.timezone)
    if not http.is_htmx():
        return render_template("board/index.html", filters=FILTERS,
                               poll_seconds=http.container().settings.poll_seconds,
                               **board_handlers.team_board(*asked))
    again = board_handlers.board_unless_drawn(*asked, request.args.get("drawn"))
    if again is None:  # as the page shows it: htmx keeps it (and its live region is not read
        return "", 204  # out again)
    if again["goals_down"] or again["due_down"]:
        return render_template("board/_not_refreshed.html", **again), {"HX-Reswap": "none"}
    return render_template("board/_refreshed.html", **again)
