"""How long a web session lives: it slides while it is used, within a hard limit; and how
fresh the member's profile kept with it stays.

A session lasts `lifetime` from signing in. Used when less than half of that is left, it gets
`lifetime` again from that moment, so a member using the app daily stays signed in, at one
write per half lifetime rather than one per request. However often it is used, it ends
`max_age` after signing in: a cookie copied off a machine in daily use does not work for ever,
and the member signs in again about once a quarter.
"""

from __future__ import annotations

from datetime import datetime, timedelta

LIFETIME = timedelta(days=14)
MAX_AGE = timedelta(days=90)
PROFILE_TTL = timedelta(minutes=1)


def extended_expiry(created_at: datetime, expires_at: datetime, now: datetime, *,
                    lifetime: timedelta = LIFETIME,
                    max_age: timedelta = MAX_AGE) -> datetime | None:
    """The session's new expiry when its use at `now` extends it; None when it keeps its own."""
    if expires_at - now >= lifetime / 2:
        return None
    extended = min(now + lifetime, created_at + max_age)
    return extended if extended > expires_at else None


def profile_due(read_at: datetime | None, now: datetime, *,
                ttl: timedelta = PROFILE_TTL) -> bool:
    """Whether the member's profile kept with the session (name, role, time zone) is to be read
    from goals again: it changes there (a zone set elsewhere, a lead made a member), so a session
    reads it at most once per `ttl` and uses it meanwhile. A profile never read (a session
    opened before profiles were timed) is due."""
    return read_at is None or now - read_at >= ttl
