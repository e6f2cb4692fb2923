"""My week: my check-ins due and overdue, each with a one-click form, and my streaks."""

from __future__ import annotations

from datetime import datetime

from flask import abort, render_template, request

from services.web.adapters.api_client import Unavailable
from services.web.domain.pace_chart import bar_drawn_from, catching_up, instant
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import week
from services.web.service_layer import progress_handlers
from services.web.service_layer.progress_handlers import CATCHING_UP_REFRESH_SECONDS
from shared.streak_text import streak_days


@week.get("")
@http.member_required
def show():
    return render_template("week/show.html", **week_context())


def week_context(refused: dict | None = None) -> dict:
    """My week's: what is due, with its goal, the item with my best running streak (the one
    covering the most time, as Slack's Home ranks them: 3 weeks before 5 days; of equal ones
    the first listed; none while no streak runs) and my goals without a schedule.
    `refused` (goal_id, form, errors, without_form), a quick check-in the checkins service
    refused, is shown on its goal's card as it was typed, or said above the cards
    (`without_form`) when its goal is no longer due. An item whose goal goals may not have
    brought up to its last check-in yet is `catching` (`domain.pace_chart.catching_up`): its
    progress bar, drawn from what its stamp `drawn` says, asks `progress` again every
    `catching_seconds`, as the goal page's does. `cut` says my goals were more than the cap
    (WEB_GOALS_CAP): the cards and the goals without a schedule are of the first ones only."""
    me = http.current_member()
    api = http.api()
    goals, due = api.together(lambda: api.goals(owner_id=me.id, status="active"),
                              lambda: api.due(me.team_id, owner_id=me.id))
    titles = {g["id"]: g for g in goals or []}
    now = http.container().clock.now()
    items = [{**d, "goal": goal, "drawn": bar_drawn_from(goal),
              "catching": catching_up(goal, d.get("last_checkin_at"), now)}
             for d in due or [] if (goal := titles.get(d["goal_id"]))]
    return dict(
        items=items, catching_seconds=CATCHING_UP_REFRESH_SECONDS,
        goals_down=isinstance(goals, Unavailable), cut=getattr(goals, "cut", False),
        due_down=isinstance(due, Unavailable), refused=refused or {},
        best=max((i for i in items if i["current_streak"]), default=None,
                 key=lambda i: streak_days(i["current_streak"], i.get("frequency"))),
        unscheduled=[g for g in goals or [] if g["id"] not in {d["goal_id"] for d in due or []}])


@week.get("/<goal_id>/progress")
@http.member_required
def progress(goal_id: str):
    """A card's progress bar again, for its refresh while goals may not have applied the goal's
    check-in logged at `since`: nothing (204: htmx keeps the bar) while so and the bar is still
    as `drawn` says, or while goals does not answer; else the bar, which asks again only while
    goals is still catching up (`progress_handlers.bar_unless_drawn`)."""
    since = request.args.get("since") or None
    bar = progress_handlers.bar_unless_drawn(http.api(), goal_id, _instant(since),
                                             request.args.get("drawn"),
                                             http.container().clock.now())
    if bar is None or isinstance(bar, Unavailable):
        return "", 204
    return render_template("week/_progress.html", catching_seconds=CATCHING_UP_REFRESH_SECONDS,
                           item={**bar, "goal_id": goal_id, "last_checkin_at": since})


def _instant(sent: str | None) -> datetime | None:
    """The moment a link sent (`domain.pace_chart.instant`), none if it sent none; a 400 if it
    is not one or has no UTC offset."""
    try:
        return instant(sent) if sent else None
    except ValueError:
        abort(400, description="That link's check-in time is not a date and time with its UTC "
                               "offset.")
