"""The moments in a text, written in its reader's own time zone.

The notifications service writes one text per event for Slack, the feed and mail, each moment in
ISO 8601 and UTC ("is due 2026-12-07T09:00:00+00:00"): Slack's DMs carry its date token, which
each reader's client shows in their zone, but a feed page or a mail must be written in the
reader's zone for them. `in_zone` does that wherever the reader is known: the web app's feed
(in the site's format, whose times are all the member's) and mail (with the zone's name, since a
mail stands alone).
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

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
