"""Server-side sessions: a random id in the cookie, the member's token in this table.

Only a hash of the id is stored, so the table alone cannot be replayed as cookies. Ending a
session deletes its row, so a copied cookie stops working at once. A session slides while it
is used, within a hard limit (`domain.sessions`); left idle, it ends at its expiry.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from services.web.adapters.orm import metadata, web_sessions
from services.web.domain.sessions import extended_expiry


@dataclass(frozen=True)
class WebSession:
    """A live session: the member's token, and their profile as read from goals at `read_at`."""

    token: str
    member: dict
    read_at: datetime | None = None


def _profile_json(member: dict, read_at: datetime) -> str:
    return json.dumps({**member, "read_at": read_at.isoformat()})


def _session_of(token: str, stored: str) -> WebSession:
    member = json.loads(stored)
    read_at = member.pop("read_at", None)
    return WebSession(token, member, datetime.fromisoformat(read_at) if read_at else None)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class WebSessions:
    def __init__(self, engine: Engine, lifetime: timedelta):
        self.engine = engine
        self.lifetime = lifetime

    def create_tables(self) -> None:
        metadata.create_all(self.engine)

    def open(self, token: str, member: dict, now: datetime) -> str:
        """A new session for the member; returns its id (shown once, to the cookie)."""
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
            conn.execute(insert(web_sessions).values(
                id_hash=_hash(session_id), token=token, member=_profile_json(member, now),
                created_at=now, expires_at=now + self.lifetime))
        return session_id

    def get(self, session_id: str, now: datetime) -> WebSession | None:
        """The live session `session_id` names, extended if its use now is due to
        (`domain.sessions`)."""
        id_hash = _hash(session_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(web_sessions).where(
                web_sessions.c.id_hash == id_hash, web_sessions.c.expires_at > now)).first()
            if row is None:
                return None
            expires_at = extended_expiry(row.created_at, row.expires_at, now,
                                         lifetime=self.lifetime)
            if expires_at is not None:
                # only if no one extended or ended it meanwhile: one write for many requests
                conn.execute(update(web_sessions).where(
                    web_sessions.c.id_hash == id_hash,
                    web_sessions.c.expires_at == row.expires_at,
                ).values(expires_at=expires_at))
                conn.commit()
        return _session_of(row.token, row.member)

    def keep_profile(self, session_id: str, member: dict, now: datetime) -> None:
        """The member's profile as read from goals at `now` (or kept as it was, when goals
        could not say)."""
        with self.engine.begin() as conn:
            conn.execute(update(web_sessions).where(
                web_sessions.c.id_hash == _hash(session_id)).values(
                member=_profile_json(member, now)))

    def end(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(session_id)))
