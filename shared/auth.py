"""Signed bearer tokens scoped to one member of one team, with a role of member or lead.

Token: `gk1.<base64url(json claims)>.<base64url(hmac-sha256(secret, "gk1." + claims))>`.
Claims: team `t`, member `m`, role `r`, token version `v` (bumped to revoke), expiry `exp`.
Every service holds the same secret and verifies tokens locally.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta

from shared.clock import Clock, SystemClock

PREFIX = "gk1"
ROLES = ("member", "lead")
MEMBER_LEFT = "member_left"  # the `reason` of a 401 to a token whose member has left the team


class Unauthorized(Exception):
    """A request without a credential that holds. `reason`, when set, says why in a word a
    client can act on (`MEMBER_LEFT`); `detail` says it to a person."""

    def __init__(self, detail: str, reason: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    team_id: str
    member_id: str
    role: str
    token_version: int = 1
    is_admin: bool = False

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


ADMIN = Principal(team_id="", member_id="", role="admin", is_admin=True)


class TokenSigner:
    def __init__(
        self, secret: str, ttl: timedelta = timedelta(days=90), clock: Clock | None = None
    ):
        if not secret:
            raise ValueError("a token secret is required")
        self._key = secret.encode()
        self.ttl = ttl
        self.clock = clock or SystemClock()

    def issue(self, team_id: str, member_id: str, role: str, version: int = 1) -> str:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        expires = int((self.clock.now() + self.ttl).timestamp())
        claims = {"t": str(team_id), "m": str(member_id), "r": role, "v": version, "exp": expires}
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{PREFIX}.{body}.{self._sign(body)}"

    def verify(self, token: str) -> Principal:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise Unauthorized("malformed token")
        body, signature = parts[1], parts[2]
        if not hmac.compare_digest(self._sign(body), signature):
            raise Unauthorized("invalid token signature")
        try:
            claims = json.loads(_unb64(body))
            principal = Principal(
                team_id=str(claims["t"]),
                member_id=str(claims["m"]),
                role=str(claims["r"]),
                token_version=int(claims["v"]),
            )
            expires = int(claims["exp"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Unauthorized("malformed token claims") from exc
        if expires <= self.clock.now().timestamp():
            raise Unauthorized("token expired")
        if principal.role not in ROLES:
            raise Unauthorized("malformed token claims")
        return principal

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, f"{PREFIX}.{body}".encode(), hashlib.sha256).digest())


def is_admin_token(token: str, admin_token: str) -> bool:
    return bool(admin_token) and hmac.compare_digest(token.encode(), admin_token.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def confirm_principal(principal: Principal, member, *, trust_unknown: bool) -> Principal:
    """Apply a service's record of the member to a verified token: a member who left (reason
    `MEMBER_LEFT`) or whose token version moved on is refused, and the current role wins over
    the token's.

    `trust_unknown` is for read models: a member whose `member.*` event has not arrived yet is
    let through on the strength of the signature alone.
    """
    if member is None:
        if trust_unknown:
            return principal
        raise Unauthorized("token no longer valid: member not found")
    if member.team_id != principal.team_id:
        raise Unauthorized("token no longer valid: member not found")
    if member.state == "left":
        raise Unauthorized("token no longer valid: you are no longer a member of the team",
                           reason=MEMBER_LEFT)
    if member.token_version != principal.token_version:
        raise Unauthorized("token revoked; ask a lead for a fresh one")
    return Principal(principal.team_id, principal.member_id, member.role, member.token_version)
