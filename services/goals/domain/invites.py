"""One-time links that sign a member in once: a lead's invite (7 days), or the email sign-in
link a member asks for (15 minutes). Both are the same thing with a different `purpose`.

Only a hash of the code is stored, so the table alone cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from services.goals.domain.errors import InviteExpired, InviteUsed

LIFETIME = timedelta(days=7)
SIGN_IN_LIFETIME = timedelta(minutes=15)
INVITE, SIGN_IN = "invite", "sign_in"
LIFETIMES = {INVITE: LIFETIME, SIGN_IN: SIGN_IN_LIFETIME}
WORDS = {INVITE: ("invite link", "ask a lead for a new one"),
         SIGN_IN: ("sign-in link", "ask for a new one on the sign-in page")}


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Invite:
    def __init__(self, team_id: str, member_id: str, created_by: str, code_hash: str,
                 created_at: datetime, expires_at: datetime, used_at: datetime | None = None,
                 id: str | None = None, purpose: str = INVITE):
        self.id = id or str(uuid.uuid4())
        self.purpose = purpose
        self.team_id = team_id
        self.member_id = member_id
        self.created_by = created_by
        self.code_hash = code_hash
        self.created_at = created_at
        self.expires_at = expires_at
        self.used_at = used_at

    @classmethod
    def issue(cls, team_id: str, member_id: str, created_by: str, now: datetime,
              purpose: str = INVITE) -> tuple[Invite, str]:
        """A new link and its code (the code is shown once and never stored)."""
        code = secrets.token_urlsafe(32)
        return cls(team_id, member_id, created_by, code_hash(code), now,
                   now + LIFETIMES[purpose], purpose=purpose), code

    def redeem(self, now: datetime) -> None:
        what, remedy = WORDS[self.purpose]
        if self.used_at is not None:
            raise InviteUsed(f"this {what} was already used; {remedy}")
        if now >= self.expires_at:
            when = f"{self.expires_at:%d %b %Y}" if self.purpose == INVITE \
                else f"{self.expires_at:%d %b %Y %H:%M} UTC"
            raise InviteExpired(f"this {what} expired on {when}; {remedy}")
        self.used_at = now
