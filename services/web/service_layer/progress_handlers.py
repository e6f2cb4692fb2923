"""A goal page's progress part: the goal, its newest check-ins, the pace chart of every check-in,
the stamp of what it is drawn from and how often the page refreshes it; and My week's progress
bar of a goal, which its card refreshes while goals catches up with a check-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from services.web.adapters.api_client import Listing, MemberApi, Unavailable, or_unavailable
from services.web.domain.pace_chart import bar_drawn_from, catching_up, drawn_from, pace_chart

# How often the goal page refreshes its progress, and My week a card's progress bar, while goals
# applies a new check-in.
CATCHING_UP_REFRESH_SECONDS = 1
# What the check-in list is drawn from while checkins does not answer: unlike any `changed_at`
# (a time, or none for a goal without check-ins), so its first answer redraws the list.
UNLISTED = "unavailable"


@dataclass(frozen=True)
class Moment:
    """When a request draws the progress part: its one `now` (read once per request) and the
    member's time zone, which make the member's `today`. `refresh_seconds`: how often the page
    refreshes the part while goals is not catching up (`WebSettings.goal_refresh_seconds`)."""

    now: datetime
    zone: tzinfo
    refresh_seconds: int

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def progress(api: MemberApi, goal_id: str, moment: Moment) -> dict:
    """The goal, its newest check-ins (a page) and its pace chart, which plots every check-in:
    a goal with more than a page of them costs a checkins call per further page."""
    goal, checkins = api.together(lambda: api.goal(goal_id), lambda: api.checkins(goal_id))
    return _progress_of(api, goal, checkins, moment)


@or_unavailable
def progress_unless_drawn(api: MemberApi, goal_id: str, drawn: str | None, listed: str | None,
                          moment: Moment) -> dict | Unavailable | None:
    """The progress part again, for the page's refresh; None while what it is drawn from is
    still as `drawn` says, which the goal and a page of its newest check-in tell (the page
    says when any check-in was last logged or corrected): one checkins call, however many
    check-ins the chart plots; Unavailable while goals does not answer (the page keeps what it
    shows, which only goals moves, and asks again). `relist`: whether the page's check-in
    list, drawn when the check-ins last changed at `listed`, is to be drawn again from the
    part's newest ones (never while checkins does not answer: the page keeps its list)."""
    goal, newest = api.together(lambda: api.goal(goal_id),
                                lambda: api.checkins(goal_id, limit=1))
    if isinstance(newest, Unavailable):
        return {**_progress_of(api, goal, newest, moment), "relist": False}
    if _stamp(goal, newest, moment)[0] == drawn:
        return None
    part = _progress_of(api, goal, api.checkins(goal_id), moment)
    return {**part, "relist": not part["checkins_down"] and part["listed"] != listed}


@or_unavailable
def bar_unless_drawn(api: MemberApi, goal_id: str, logged_at: datetime | None, drawn: str | None,
                     now: datetime) -> dict | Unavailable | None:
    """My week's progress bar of a goal again, for its card's refresh while goals may not have
    applied the goal's check-in logged at `logged_at` (`domain.pace_chart.catching_up`): one
    goals call. None while that is still so and the bar is still as `drawn` says (the stamp of
    `domain.pace_chart.bar_drawn_from`); Unavailable while goals does not answer; else the
    goal, the bar's stamp and whether goals is still `catching` up (the bar asks again only
    then)."""
    goal = api.goal(goal_id)
    catching, stamp = catching_up(goal, logged_at, now), bar_drawn_from(goal)
    if catching and stamp == drawn:
        return None
    return {"goal": goal, "drawn": stamp, "catching": catching}


def _progress_of(api: MemberApi, goal: dict, checkins: Listing | Unavailable,
                moment: Moment) -> dict:
    """The progress part of `goal` whose newest check-ins are `checkins`, the stamp of what it
    is drawn from (`drawn`), which the page's refresh sends (none while checkins cannot give
    every check-in, so that the next refresh draws it again), and how often it is refreshed
    (`refresh_seconds`): every CATCHING_UP_REFRESH_SECONDS while goals may not have applied a
    new check-in yet, else every `moment.refresh_seconds`; `listed`: when the check-ins last
    changed, as the check-in list drawn from `checkins` shows them (UNLISTED while down)."""
    down = isinstance(checkins, Unavailable)
    road, whole = ([], False) if down else _whole_road(api, goal["id"], checkins)
    drawn, catching = _stamp(goal, None if down else checkins, moment)
    return {"goal": goal, "checkins": [] if down else checkins, "checkins_down": down,
            "chart": pace_chart(goal, road, moment.today, moment.zone),
            "drawn": drawn if whole else None,
            "listed": UNLISTED if down else checkins.changed_at,
            "refresh_seconds": CATCHING_UP_REFRESH_SECONDS if catching
            else moment.refresh_seconds}


def _stamp(goal: dict, checkins: Listing | None, moment: Moment) -> tuple[str, bool]:
    """The stamp of a progress part drawn from `goal` and its `checkins` (their newest page),
    and whether goals may not have applied the newest yet (`domain.pace_chart.catching_up`)."""
    newest = checkins[0] if checkins else None
    catching = catching_up(goal, newest and newest["created_at"], moment.now)
    changed_at = checkins.changed_at if checkins is not None else None
    return drawn_from(goal, newest, changed_at, moment.today, catching), catching


def _whole_road(api: MemberApi, goal_id: str, newest: Listing) -> tuple[list[dict], bool]:
    """Every check-in of the goal, and True: its newest page and, if there are more, the older
    ones; only the newest page, and False, while checkins cannot give the older ones."""
    if not newest.next_cursor:
        return newest, True
    older = api.older_checkins(goal_id, newest.next_cursor)
    return (newest, False) if isinstance(older, Unavailable) else ([*newest, *older], True)
