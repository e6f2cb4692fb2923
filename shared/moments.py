"""The moments in a text, written in its reader's own time zone.

The notifications service writes one text per event for Slack, the feed and mail, each moment in
ISO 8601 and UTC ("is due 2026-12-07T09:00:00+00:00"): Slack's DMs carry its date token, which
each reader's client shows in their zone, but a feed page or a mail must be written in the
reader's zone for them. `in_zone` does that wherever the reader is known: the web app's feed
(in the site's format, whose times are all the member's) and mail (with the zone's name, since a
mail stands alone). `instant` goes the other way: the UTC moment a reader's wall clock reads
a time (a quiet hour's end, the midnight a snooze ends at), across the changes of clock.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

MOMENT_FORMAT = "%a %d %b %Y, %H:%M"  # how the web app writes a moment
MAIL_FORMAT = MOMENT_FORMAT + " %Z"  # a mail names the zone: "Mon 07 Dec 2026, 10:00 CET"
MOMENT = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def in_zone(text: str, zone: tzinfo, fmt: str = MOMENT_FORMAT) -> str:
    """`text` with each ISO 8601 moment that names its offset written in `zone` by `fmt`;
    anything that only looks like one is left as it is."""
    return MOMENT.sub(lambda match: _moment(match[0], zone, fmt), text)


def _moment(iso: str, zone: tzinfo, fmt: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone(zone).strftime(fmt)


def instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment the wall clock in `zone` first reads `clock` on `day`, or later.

    A time a change of clock skips (02:30 when 02:00 jumps to 03:00) maps to the first instant
    after the gap, the change itself; a time read twice (autumn) to its first occurrence."""
    moment = datetime.combine(day, clock, tzinfo=zone)
    past_gap = moment.astimezone(UTC)  # a skipped time, read with the offset before the change
    if past_gap.astimezone(zone).replace(tzinfo=None) == moment.replace(tzinfo=None):
        return past_gap  # the time exists (read twice in autumn: fold 0, the first)
    before_gap = moment.replace(fold=1).astimezone(UTC)  # read with the offset after it
    changed = _offset(past_gap, zone)
    seconds = bisect_left(range(int((past_gap - before_gap).total_seconds()) + 1), True,
                          key=lambda s: _offset(before_gap + timedelta(seconds=s), zone) == changed)
    return before_gap + timedelta(seconds=seconds)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()
