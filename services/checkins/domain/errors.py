"""The checkins service's own kinds of domain error."""

from __future__ import annotations

from shared.domain import Unprocessable


class Rejected(Unprocessable):
    """A check-in requested from Slack that cannot be logged; the reason goes back to Slack."""
