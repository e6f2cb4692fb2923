"""One-time links that sign a member in once: a lead's invite (7 days), or the email sign-in
link a member asks for (15 minutes). Both are the same thing with a different `purpose`. A link
not yet used is cancelled when its member's or its sender's access is revoked (tokens revoked or
rotated, or gone from the team): it would sign someone in past that. An invite is cancelled too
when the lead who sent it is made a member: it would act on a lead's say they no longer have.

Only a hash of the code is stored, so the table alone cannot sign anyone in. The code is the
link's id signed with the service's secret key, so the service can show a link's code again (a
retried request under the same Idempotency-Key) without keeping it anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from services.goals.domain.errors import InviteCancelled, InviteExpired, InviteUsed

LIFETIME = timedelta(days=7)
SIGN_IN_LIFETIME = timedelta(minutes=15)
REPEAT_WINDOW = timedelta(minutes=1)
"""How long after a link was used a repeat of that request (a double click, a reload of the
answer) still signs in as the first did; past it, the link is used."""
INVITE, SIGN_IN = "invite", "sign_in"
LIFETIMES = {INVITE: LIFETIME, SIGN_IN: SIGN_IN_LIFETIME}
WORDS = {INVITE: ("invite link", "ask a lead for a new one"),
         SIGN_IN: ("sign-in link", "ask for a new one on the sign-in page")}
CANCELLED_WHEN = {INVITE: "access was revoked for its member, or the lead who sent it lost access "
                          "or stopped being a lead",
                  SIGN_IN: "your access was revoked"}


def signed_code(link_id: str, secret: str) -> str:
    """A link's code: its id signed with `secret`, which no one without the secret can make."""
    digest = hmac.new(secret.encode(), f"goalkeeper-link:{link_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Invite:
    def __init__(self, team_id: str, member_id: str, created_by: str, code_hash: str,
                 created_at: datetime, expires_at: datetime, used_at: datetime | None = None,
                 id: str | None = None, purpose: str = INVITE,
                 cancelled_at: datetime | None = None):
        self.id = id or str(uuid.uuid4())
        self.purpose = purpose
        self.team_id = team_id
        self.member_id = member_id
        self.created_by = created_by
        self.code_hash = code_hash
        self.created_at = created_at
        self.expires_at = expires_at
        self.used_at = used_at
        self.cancelled_at = cancelled_at

    @classmethod
    def issue(cls, team_id: str, member_id: str, created_by: str, now: datetime, secret: str,
              purpose: str = INVITE) -> tuple[Invite, str]:
        """A new link and its code (never stored: `signed_code` of its id gives it again)."""
        id = str(uuid.uuid4())
        code = signed_code(id, secret)
        return cls(team_id, member_id, created_by, code_hash(code), now,
                   now + LIFETIMES[purpose], id=id, purpose=purpose), code

    def cancel(self, now: datetime) -> None:
        """Stop a link not used yet; a used or cancelled one stays as it is."""
        if self.used_at is None and self.cancelled_at is None:
            self.cancelled_at = now

    def redeem(self, now: datetime) -> None:
        """Mark used; 409 when it was used, cancelled or has expired, saying which."""
        what, remedy = WORDS[self.purpose]
        if self.cancelled_at is not None:
            raise InviteCancelled(f"this {what} was cancelled on {self.cancelled_at:%d %b %Y}, "
                                  f"when {CANCELLED_WHEN[self.purpose]}; {remedy}")
        if self.used_at is not None:
            raise InviteUsed(f"this {what} was already used; {remedy}")
        if now >= self.expires_at:
            when = f"{self.expires_at:%d %b %Y}" if self.purpose == INVITE \
                else f"{self.expires_at:%d %b %Y %H:%M} UTC"
            raise InviteExpired(f"this {what} expired on {when}; {remedy}")
        self.used_at = now

    def repeat(self, now: datetime, *, revoked_since: bool) -> None:
        """A repeat of the request that used the link (its idempotency key): signs in again
        within `REPEAT_WINDOW` of that use; 409 "already used" past it, or once the member's
        access was revoked since."""
        if revoked_since or self.used_at is None or now >= self.used_at + REPEAT_WINDOW:
            what, remedy = WORDS[self.purpose]
            raise InviteUsed(f"this {what} was already used; {remedy}")
