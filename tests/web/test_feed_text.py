"""A feed item's text as the feed page shows it (`services.web.domain.feed_text`): mrkdwn as
text, and each moment in the reader's own time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from services.web.domain.feed_text import Line, lines_of

REMINDER = "Your check-in on *Run 5k* is due {}."


@pytest.mark.parametrize(("due_at", "zone", "shown"), [
    ("2026-12-07T09:00:00+00:00", "Pacific/Kiritimati", "Mon 07 Dec 2026, 23:00"),  # UTC+14
    ("2026-12-07T09:00:00Z", "America/Adak", "Sun 06 Dec 2026, 23:00"),  # HST, UTC-10
    ("2027-03-15T09:00:00+00:00", "America/Adak", "Mon 15 Mar 2027, 00:00"),  # HDT since 14 Mar
    ("2026-12-07T09:00:00+00:00", "UTC", "Mon 07 Dec 2026, 09:00"),
])
def test_a_due_moment_is_shown_in_the_readers_time_zone(due_at, zone, shown):
    """A reminder said "is due 2026-12-07T09:00:00+00:00": UTC, in ISO 8601, to a member in
    Kiritimati for whom it is 23:00."""
    (line,) = lines_of(REMINDER.format(due_at), ZoneInfo(zone))

    assert line == Line([("Your check-in on ", False), ("Run 5k", True),
                         (f" is due {shown}.", False)])


def test_a_quote_line_is_a_quote_and_a_lone_star_stays():
    lines = lines_of("*Lena* commented on *Q3 plan*:\n> 5 * 3 is the plan", ZoneInfo("UTC"))

    assert lines == [Line([("Lena", True), (" commented on ", False), ("Q3 plan", True),
                           (":", False)]),
                     Line([("5 * 3 is the plan", False)], quote=True)]
