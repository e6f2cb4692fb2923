"""Use cases of the private calendar feed: issue (or renew) its URL, see it, revoke it, and
render the feed for whoever holds the URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.checkins.config import CheckinsSettings
from services.checkins.domain.calendar import (
    CalendarFeed,
    CheckinSeries,
    GoalDue,
    PairingSession,
    build_feed,
    pairing_start,
    token_hash,
)
from services.checkins.domain.replicas import GoalView, MemberView
from services.checkins.service_layer.access import ensure_self_or_lead
from services.checkins.service_layer.commands import (
    GetCalendarFeed,
    IssueCalendarFeed,
    RenderCalendarFeed,
    RevokeCalendarFeed,
)
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.domain import Forbidden, NotFound


@dataclass(frozen=True)
class FeedState:
    member_id: str
    active: bool
    token: str | None  # only right after it was issued
    created_at: datetime | None
    revoked_at: datetime | None


def issue_feed(cmd: IssueCalendarFeed, uow: CheckinsUnitOfWork, clock: Clock,
               settings: CheckinsSettings) -> FeedState:
    """Only the member themself gets a feed URL: it shows their private goals. A request sent
    while another one issued a URL (a double click) gets that URL; a later one renews it."""
    if cmd.actor.member_id != cmd.member_id:
        raise Forbidden("only the member may get their own calendar feed")
    asked_at = clock.now()
    with uow:
        if uow.members.in_team(cmd.team_id, cmd.member_id) is None:
            raise NotFound(f"member {cmd.member_id} not found")
        feed = uow.calendar_feeds.locked(cmd.member_id)
        if feed is None:
            feed = CalendarFeed(cmd.member_id, cmd.team_id, at=asked_at)
            if not uow.calendar_feeds.add_new(feed):  # one sent at the same time made it
                feed = uow.calendar_feeds.locked(cmd.member_id)
        if feed.issued_since(asked_at):
            token = feed.token(settings.secret_key)
        else:
            token = feed.issue(asked_at, settings.secret_key)
        uow.commit()
        return _state(feed, token)


def get_feed(cmd: GetCalendarFeed, reader: CheckinsUnitOfWork, clock: Clock) -> FeedState:
    with reader:
        ensure_self_or_lead(reader, cmd.team_id, cmd.member_id, cmd.actor)
        feed = reader.calendar_feeds.get(cmd.member_id)
        if feed is None:
            return FeedState(cmd.member_id, False, None, None, None)
        return _state(feed, None)


def revoke_feed(cmd: RevokeCalendarFeed, uow: CheckinsUnitOfWork, clock: Clock) -> FeedState:
    """The member, or a lead (for a leaked URL), revokes it: the URL answers 404 from now on."""
    with uow:
        ensure_self_or_lead(uow, cmd.team_id, cmd.member_id, cmd.actor)
        feed = uow.calendar_feeds.get(cmd.member_id)
        if feed is None or not feed.is_active:
            raise NotFound("this member has no calendar feed")
        feed.revoke(clock.now())
        uow.commit()
        return _state(feed, None)


def render_feed(cmd: RenderCalendarFeed, reader: CheckinsUnitOfWork, clock: Clock) -> bytes:
    """The iCalendar text behind a feed URL; an unknown, renewed or revoked token is 404."""
    with reader:
        feed = reader.calendar_feeds.by_token_hash(token_hash(cmd.token))
        member = reader.members.get(feed.member_id) if feed is not None else None
        if feed is None or member is None or member.state == "left":
            raise NotFound("no such calendar feed")
        goals = [g for g in reader.goals.owned_by(member.member_id) if g.is_active]
        team = reader.teams.get(member.team_id)
        series = [CheckinSeries(g.goal_id, g.title, g.timetable(member, team), _since(g, member))
                  for g in goals]
        sessions = _sessions(reader, member)
        dues = [GoalDue(g.goal_id, g.title, date.fromisoformat(g.due_date))
                for g in goals if g.due_date]
        return build_feed(member, series=series, sessions=sessions, dues=dues,
                          now=clock.now(), link=cmd.link)


def _since(goal: GoalView, member: MemberView) -> datetime:
    """Just before the goal's start date begins, in its owner's zone."""
    start = date.fromisoformat(goal.start_date) if goal.start_date else date(2000, 1, 3)
    local = datetime.combine(start, time(0), ZoneInfo(member.timezone))
    return local.astimezone(UTC) - timedelta(seconds=1)


def _sessions(uow: CheckinsUnitOfWork, member: MemberView) -> list[PairingSession]:
    sessions = []
    for partnership in uow.partnerships.open_in_team(member.team_id):
        if not partnership.is_active or not partnership.includes(member.member_id):
            continue
        partners = [m for m in map(uow.members.get, partnership.partners_of(member.member_id))
                    if m is not None]
        first = pairing_start(partnership.started_at, member, partners)
        sessions.append(PairingSession(partnership.id, [p.name for p in partners], first))
    return sessions


def _state(feed: CalendarFeed, token: str | None) -> FeedState:
    return FeedState(feed.member_id, feed.is_active, token, feed.created_at, feed.revoked_at)
