"""One-time invite links: a lead invites a member; opening the link signs the member in once.

Only a hash of the code is stored, so the table alone cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from services.goals.domain.errors import InviteExpired, InviteUsed

LIFETIME = timedelta(days=7)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Invite:
    def __init__(self, team_id: str, member_id: str, created_by: str, code_hash: str,
                 created_at: datetime, expires_at: datetime, used_at: datetime | None = None,
                 id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id = team_id
        self.member_id = member_id
        self.created_by = created_by
        self.code_hash = code_hash
        self.created_at = created_at
        self.expires_at = expires_at
        self.used_at = used_at

    @classmethod
    def issue(cls, team_id: str, member_id: str, created_by: str,
              now: datetime) -> tuple[Invite, str]:
        """A new invite and its code (the code is shown once and never stored)."""
        code = secrets.token_urlsafe(32)
        return cls(team_id, member_id, created_by, code_hash(code), now, now + LIFETIME), code

    def redeem(self, now: datetime) -> None:
        if self.used_at is not None:
            raise InviteUsed("this invite link was already used; ask a lead for a new one")
        if now >= self.expires_at:
            raise InviteExpired(f"this invite link expired on {self.expires_at:%d %b %Y}; "
                                "ask a lead for a new one")
        self.used_at = now
