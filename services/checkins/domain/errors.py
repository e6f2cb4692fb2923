"""The checkins service's own kinds of domain error."""

from __future__ import annotations

from shared.domain import Unprocessable


class Rejected(Unprocessable):
    """A check-in requested from Slack that cannot be logged; the reason goes back to Slack."""


class UnknownGoal(Rejected):
    """The goal a Slack request names is none this service knows: maybe not yet (its
    goal.created travels on another topic than the request), so the request may wait for it."""
