"""What every view shares: the signed-in member, their API client, CSRF, htmx detection.

The cookie is Flask's signed session (HttpOnly, SameSite=Lax, Secure over https) holding a random
session id and the CSRF token; the member's bearer token stays server side, in the sessions table
(`adapters.repositories.WebSessions`), and never reaches the browser. A session in use slides
(see `WebSessions`); signing out, or an API's 401, deletes the row, so a copied cookie stops
working at once.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from services.web.adapters.api_client import (
    MemberApi,
    NotFound,
    ServiceUnavailable,
    SignedOut,
)
from services.web.adapters.repositories import WebSession
from services.web.bootstrap import WebContainer
from services.web.domain.sessions import profile_due
from shared.idempotency import MAX_KEY_LENGTH

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


def check_csrf() -> Response | None:
    """Refuse (400) an unsafe request whose form field or header lacks the session's token.
    Without a signed-in member (signing out in another tab cleared the cookie, token and
    all) a member's form is sent to sign in instead, as a page of theirs would be: there is
    nothing to protect, and a 400 would only say to reload. So is a Sign out sent by a member
    signed out already (in another tab): it signs no one out, and says they are signed out."""
    if request.method not in UNSAFE:
        return None
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        if current_member() is None and request.blueprint != "auth":
            return to_sign_in(ended=True)
        if current_member() is None and request.endpoint == "auth.sign_out":
            return None
        abort(400, description="The form was missing its security token. Reload the page "
                               "and try again.")
    return None


def header_word(text: str) -> bool:
    """Whether `text`, sent to an API in a header (a token, a form's key), is one word of
    printable ASCII: what the app and the APIs give, and what any header carries."""
    return bool(text) and text.isascii() and text.isprintable() and " " not in text


def claims_of(token: str) -> dict:
    """The team and member a token names (unverified: the APIs verify it on every call); none
    for a token no HTTP header can carry (`header_word`), which no API gave."""
    token = token.strip()
    if not header_word(token):
        return {}
    try:
        prefix, body, _ = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return {"team_id": str(claims["t"]), "member_id": str(claims["m"])} \
            if prefix == "gk1" else {}
    except (ValueError, KeyError, TypeError):
        return {}


def _profile(member: dict) -> dict:
    """What a session keeps of the member as goals gives it (`Member`'s fields)."""
    return {"id": member["id"], "team_id": member["team_id"], "name": member["name"],
            "role": member["role"], "timezone": member.get("timezone") or "UTC"}


def sign_in(token: str, member: dict) -> None:
    end_session()
    session.clear()
    session.permanent = True
    profile = _profile(member)
    web = container()
    session["sid"] = web.sessions.open(token, profile, web.clock.now())
    g.web_session = WebSession(token, profile)
    csrf_token()


def remember_member(member: dict) -> None:
    """The signed-in member as goals has just answered with them (their profile changed here),
    kept with the session at once."""
    found, now = _web_session(), container().clock.now()
    container().sessions.keep_profile(session["sid"], _profile(member), now)
    g.web_session = WebSession(found.token, _profile(member), now)


def end_session() -> None:
    """Sign out: the server forgets the session, whoever still holds its cookie."""
    if session.get("sid"):
        container().sessions.end(session["sid"])
    session.clear()
    g.web_session = None


def sign_out() -> None:
    end_session()


def _web_session() -> WebSession | None:
    if "web_session" not in g:
        sid, now = session.get("sid"), container().clock.now()
        found = container().sessions.get(sid, now) if sid else None
        g.web_session = _with_fresh_profile(sid, found, now) if found else None
    return g.web_session


def _with_fresh_profile(sid: str, found: WebSession, now: datetime) -> WebSession:
    """The session with the member's profile as goals has it, read again when due (at most
    once a minute: `domain.sessions.profile_due`), so a time zone or role changed elsewhere
    shows without signing in again. With goals down the kept profile serves until the next
    read is due; a token goals refuses raises `SignedOut` (the session ends)."""
    if not profile_due(found.read_at, now):
        return found
    me = found.member
    try:
        profile = _profile(container().api.as_member(found.token).member(me["team_id"], me["id"]))
    except (ServiceUnavailable, NotFound):
        profile = me
    container().sessions.keep_profile(sid, profile, now)
    return WebSession(found.token, profile, now)


def current_member() -> Member | None:
    found = _web_session()
    return Member(**found.member) if found else None


def member_zone() -> ZoneInfo:
    """The signed-in member's time zone (UTC when no one is signed in)."""
    member = current_member()
    return ZoneInfo(member.timezone if member else "UTC")


def api() -> MemberApi:
    found = _web_session()
    if found is None:
        raise SignedOut("no session")
    return container().api.as_member(found.token)


def member_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_member() is None:
            return to_sign_in()
        return view(*args, **kwargs)

    return guarded


ENDED_LEFT = "left"  # the sign-in page's `ended` when the member has left the team
ENDED_OUT = "out"  # the sign-in page's `ended` when the member signed out


def to_sign_in(ended: bool = False, member_left: bool = False) -> Response:
    """Off to the sign-in page, then back to the page: a redirect (back here after a GET), or for
    htmx, whose XHR would follow a redirect and swap the sign-in page into the part it
    refreshes, an HX-Redirect (back to the page the request came from). `ended` says the
    session ended (`member_left`: because the member has left the team)."""
    if is_htmx():
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = page.path + (f"?{page.query}" if page.query else "")
    else:
        back = request.full_path if request.method == "GET" else ""
    why = {"ended": ENDED_LEFT} if member_left else {"ended": 1} if ended or is_htmx() else {}
    target = url_for("auth.sign_in_form", **why,
                     **({"next": back} if back else {}))
    if not is_htmx():
        return redirect(target)
    response = make_response("", 200)
    response.headers["HX-Redirect"] = target
    return response


def nearest_page(path: str) -> str:
    """`path`, or the nearest address above it, that a browser may open (a GET route): the
    goal's page for `/goals/<id>/edit`, the board ("/") at the latest."""
    routes = current_app.url_map.bind("")
    parts = path.rstrip("/").split("/")
    while parts:
        candidate = "/".join(parts) or "/"
        parts.pop()
        try:
            routes.match(candidate, method="GET")
        except HTTPException:
            continue
        return candidate
    return "/"


def local_path(target: str) -> str:
    """`target` when it is a path on this site, else "". Read as a browser reads a Location:
    it drops tabs and line breaks and takes a backslash for a slash, so "/\\evil.example" and
    "/\\t/evil.example" are the other site "//evil.example"; none of those is kept."""
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return ""
    return target if target.startswith("/") and not target.startswith("//") else ""


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


def form_key() -> str | None:
    """The Idempotency-Key the form was sent with (its hidden field, macros.html's `form_key`),
    None when it came without one. One this app does not make (no `header_word`, or longer
    than the APIs keep), which no HTTP header may carry or the API would refuse, is refused
    (400) before anything is sent: reloading the page gives the form a new one."""
    key = request.form.get("idempotency_key") or None
    if key is not None and not (header_word(key) and len(key) <= MAX_KEY_LENGTH):
        abort(400, description="The form's key is not one this app gives its forms. Reload "
                               "the page and send the form again.")
    return key


def not_kept(page: str) -> Response:
    """A page the browser asks for again rather than keeping it (Cache-Control: no-store): a
    form's page that, once the form did its work, says so, so that Back after it shows what
    was done rather than the form to send once more."""
    answer = make_response(page)
    answer.headers["Cache-Control"] = "no-store"
    return answer


DONE_KEPT = 10  # of each kind of thing done, the latest a session remembers (in its cookie)


def remember_done(what: str, thing_id: str) -> None:
    """That this session did `what` (a goal closed, a member removed) to `thing_id`, among its
    latest `DONE_KEPT`: a `not_kept` page then says it was done here, rather than only how
    things stand (Back to the first of two members removed says so of both)."""
    done = [seen for seen in _done(what) if seen != thing_id]
    session[f"done:{what}"] = [*done, thing_id][-DONE_KEPT:]


def done_here(what: str, thing_id: str) -> bool:
    """Whether this session did `what` to `thing_id` lately (`remember_done`; a sign-in clears
    it)."""
    return thing_id in _done(what)


def _done(what: str) -> list[str]:
    kept = session.get(f"done:{what}")
    return [kept] if isinstance(kept, str) else list(kept or [])  # one id: a cookie from before
