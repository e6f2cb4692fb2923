"""What every view shares: the signed-in member, their API client, CSRF, htmx detection.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure over https). It holds the
member's bearer token, so the token stays between the browser's cookie jar and this server and
never reaches JavaScript.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, redirect, request, session, url_for

from services.web.adapters.api_client import MemberApi
from services.web.bootstrap import WebContainer

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Member:
    id: str
    team_id: str
    name: str
    role: str
    timezone: str

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


def container() -> WebContainer:
    return current_app.extensions["web"]


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse (400) an unsafe request whose form field or header lacks the session's token."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="The form was missing its security token. Reload the page "
                               "and try again.")


def claims_of(token: str) -> dict:
    """The team and member a token names (unverified: the APIs verify it on every call)."""
    try:
        prefix, body, _ = token.strip().split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return {"team_id": str(claims["t"]), "member_id": str(claims["m"])} \
            if prefix == "gk1" else {}
    except (ValueError, KeyError, TypeError):
        return {}


def sign_in(token: str, member: dict) -> None:
    session.clear()
    session.permanent = True
    session["token"] = token
    session["member"] = {"id": member["id"], "team_id": member["team_id"],
                         "name": member["name"], "role": member["role"],
                         "timezone": member.get("timezone") or "UTC"}
    csrf_token()


def sign_out() -> None:
    session.clear()


def current_member() -> Member | None:
    data = session.get("member")
    return Member(**data) if data and session.get("token") else None


def api() -> MemberApi:
    return container().api.as_member(session["token"])


def member_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_member() is None:
            return redirect(url_for("auth.sign_in_form", next=request.full_path))
        return view(*args, **kwargs)

    return guarded


def lead_required(view):
    @wraps(view)
    @member_required
    def guarded(*args, **kwargs):
        if not current_member().is_lead:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
