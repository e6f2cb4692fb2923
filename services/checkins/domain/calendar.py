"""A member's private calendar feed (iCalendar, RFC 5545), built with `icalendar`.

The feed holds, in the member's time zone:

- check-in due times of each active goal they own, as ONE recurring event per goal: DTSTART is
  the first due moment (with its TZID), the RRULE is the cadence's own rule, so 09:00 stays
  09:00 across DST exactly as the scheduler (`cadence.Timetable`) computes it;
- pairing sessions with their accountability partners: weekly, 30 minutes, at the start of
  the partners' shared working hours (on the weekday the partnership started);
- goal due dates, as all-day events;
- the VTIMEZONE of the member's zone, always (a feed with no event is still a calendar).

Its URL carries a token no one without the secret key can make (`CalendarFeed`); only the
token's SHA-256 is stored. A renewed token replaces the old one, a revoked feed has none:
either way the old URL is gone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vText

from services.checkins.domain.cadence import Timetable
from services.checkins.domain.pairing import shared_start
from services.checkins.domain.replicas import MemberView

PRODID = "-//Goalkeeper//Check-ins calendar//EN"
CHECKIN_LENGTH = timedelta(minutes=15)
PAIRING_LENGTH = timedelta(minutes=30)
REFRESH = timedelta(hours=1)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class CalendarFeed:
    """A member's feed token; only its hash is stored. The token is the member and the moment
    it was issued, signed with the service's secret key, so the URL a request issued can be
    answered again to one sent at the same time (`issued_since`)."""

    def __init__(self, member_id: str, team_id: str, *, at: datetime):
        self.member_id = member_id
        self.team_id = team_id
        self.token_hash: str | None = None
        self.created_at = at
        self.revoked_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.token_hash is not None

    def issue(self, at: datetime, secret: str) -> str:
        """A new token (created or renewed): the previous URL stops working."""
        self.created_at, self.revoked_at = at, None
        token = self.token(secret)
        self.token_hash = token_hash(token)
        return token

    def token(self, secret: str) -> str:
        """The token issued at `created_at` (meaningful while the feed is active)."""
        issued = f"goalkeeper-calendar:{self.member_id}:{self.created_at.astimezone(UTC)}"
        digest = hmac.new(secret.encode(), issued.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def issued_since(self, asked_at: datetime) -> bool:
        """Whether its URL was issued at or after `asked_at`: to a request sent at the same
        time as one asked then (a double click), which could not have seen it yet."""
        return self.is_active and self.created_at >= asked_at

    def revoke(self, at: datetime) -> None:
        self.token_hash = None
        self.revoked_at = at


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- what goes in -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckinSeries:
    goal_id: str
    title: str
    timetable: Timetable
    since: datetime  # the first due moment is the first one after this


@dataclass(frozen=True)
class PairingSession:
    partnership_id: str
    partner_names: list[str]
    first: datetime  # aware, in the member's zone


@dataclass(frozen=True)
class GoalDue:
    goal_id: str
    title: str
    due: date


def rrule_of(timetable: Timetable) -> dict:
    """The cadence as an RRULE, the same rule `Timetable.next_due` iterates."""
    cadence = timetable.cadence
    if cadence.frequency == "daily":
        return {"FREQ": "DAILY"}
    if cadence.frequency in ("weekly", "biweekly"):
        rule = {"FREQ": "WEEKLY", "BYDAY": WEEKDAYS[cadence.weekday or 0]}
        return {**rule, "INTERVAL": 2} if cadence.frequency == "biweekly" else rule
    day = cadence.day_of_month or 1
    if day <= 28:
        return {"FREQ": "MONTHLY", "BYMONTHDAY": day}
    return {"FREQ": "MONTHLY", "BYMONTHDAY": list(range(28, day + 1)), "BYSETPOS": -1}


def pairing_start(started_at: datetime, member: MemberView,
                  partners: list[MemberView]) -> datetime:
    """The first session: the start of the partners' shared working hours on the day the
    partnership started (the member's own start of day when their hours do not overlap)."""
    on = started_at.astimezone(UTC).date()
    minutes = shared_start([m.utc_minutes(on) for m in (member, *partners)])
    if minutes is None:
        minutes = member.utc_minutes(on)[0]
    moment = datetime.combine(on, time(0), UTC) + timedelta(minutes=minutes)
    return moment.astimezone(ZoneInfo(member.timezone))


# -- the feed ---------------------------------------------------------------------------------
def build_feed(member: MemberView, *, series: list[CheckinSeries],
               sessions: list[PairingSession], dues: list[GoalDue], now: datetime,
               link: str) -> bytes:
    zone = ZoneInfo(member.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(f"Goalkeeper: {member.name}"))  # an X- property:
    # typed here, so a line break in the name is escaped as in a summary
    calendar.add("x-wr-timezone", member.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property: typed here, PT1H
    for item in series:
        # DTSTART at the cadence's own time: a first due moment a DST change moved later
        # (02:30 due at 03:30) would set the time every later one repeats at
        first = datetime.combine(item.timetable.next_due(item.since).astimezone(zone).date(),
                                 item.timetable.wall_clock, zone)
        calendar.add_component(_event(
            f"checkin-{item.goal_id}@goalkeeper", now, f"Check in: {item.title}", first,
            CHECKIN_LENGTH, rrule_of(item.timetable), f"{link}/goals/{item.goal_id}"))
    for session in sessions:
        names = ", ".join(session.partner_names) or "your partner"
        calendar.add_component(_event(
            f"pairing-{session.partnership_id}@goalkeeper", now, f"Pairing with {names}",
            session.first.astimezone(zone), PAIRING_LENGTH,
            {"FREQ": "WEEKLY", "BYDAY": WEEKDAYS[session.first.astimezone(zone).weekday()]},
            link))
    for due in dues:
        event = _event(f"due-{due.goal_id}@goalkeeper", now, f"Due: {due.title}", due.due,
                       None, None, f"{link}/goals/{due.goal_id}")
        event.add("dtend", due.due + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    if member.timezone not in {tz.tz_name for tz in calendar.timezones}:
        # the zone X-WR-TIMEZONE names; and a feed with no event (closed goals, no partner)
        # still holds a component, as RFC 5545 requires of every calendar
        calendar.add_component(Timezone.from_tzid(member.timezone))
    return calendar.to_ical()


def _event(uid: str, now: datetime, summary: str, start: datetime | date,
           length: timedelta | None, rule: dict | None, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", summary)
    event.add("dtstart", start)
    if length is not None:
        event.add("duration", length)
    if rule is not None:
        event.add("rrule", rule)
    event.add("url", url)
    event.add("description", url)
    return event
