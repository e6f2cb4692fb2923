"""The one client of the three public `/v1` APIs, acting as the signed-in member.

Pooled connections with timeouts, one method per endpoint. It turns the APIs' answers into what a
page needs: problem+json 4xx into `FormErrors` (field -> messages, and the status the page answers
with: `refusal_status`), 412 (a stale If-Match) into `Stale`, 401 into `SignedOut`, 404 (and 403
on a read) into `NotFound`, 403 on a write into `Forbidden`, and a service that cannot answer into
`Unavailable(service)` for reads (the page shows a banner where that service's part would be),
`ServiceUnavailable` for writes.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from services.web.config import WebSettings
from shared.auth import MEMBER_LEFT


class SignedOut(Exception):
    """The API refused the member's token (expired, rotated or revoked, or its member left the
    team: `member_left`)."""

    def __init__(self, detail: str, reason: str | None = None):
        super().__init__(detail)
        self.reason = reason

    @property
    def member_left(self) -> bool:
        """Whether the token's member has left the team: no token of theirs will do."""
        return self.reason == MEMBER_LEFT


class NotFound(Exception):
    """No such thing, or not one the member may see: both look the same."""


class Forbidden(Exception):
    status = 403

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class ServiceUnavailable(Exception):
    """The service did not answer. `unsent` when no connection to it was made, so a write
    certainly did nothing; else (a timeout, a 5xx) it may have been done."""

    def __init__(self, service: str, unsent: bool = False):
        super().__init__(f"the {service} service is unavailable")
        self.service = service
        self.unsent = unsent


@dataclass
class FormErrors(Exception):
    """A refusal: the API's reason, its messages per field, and the status a page answers
    with (see `refusal_status`)."""

    detail: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: int = 422

    def __str__(self) -> str:
        return self.detail


class Stale(FormErrors):
    """The thing changed since the member read it (the API's 412 to a stale If-Match): a
    conflict with its state, so the page answers 409."""

    def __init__(self, detail: str):
        super().__init__(detail, {}, 409)


def once(key: str | None) -> dict:
    """The headers that make a POST happen once: the form's key (the same on a resend), or a
    new one when the form carried none."""
    return {"Idempotency-Key": key or str(uuid.uuid4())}


PAGE = 200  # the largest page the APIs give
DELIVERIES_PAGE = 50  # a page of the delivery log, each with its attempts
ROUNDS_PAGE = 20  # a page of a team's pairing rounds
BROKEN_PAGE_LINK = ("This link to an older page is broken (cut short when copied, perhaps). "
                    "Open the list again from its first page.")


class Listing(list):
    """The items of a paged list, read up to a cap; `cut` is true when the cap left some;
    `next_cursor`, for a list read a page at a time, where the next page starts;
    `changed_at`, for a goal's check-ins, when any of them was last logged or corrected."""

    cut: bool = False
    next_cursor: str | None = None
    changed_at: str | None = None


@dataclass(frozen=True)
class Unavailable:
    """What a read returns when its service is down; falsy, so templates can test it."""

    service: str

    def __bool__(self) -> bool:
        return False


def or_unavailable(method):
    @functools.wraps(method)
    def read(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ServiceUnavailable as down:
            return Unavailable(down.service)

    return read


class ApiClient:
    """Shared by every request: one pooled `requests.Session` for the three services."""

    def __init__(self, settings: WebSettings):
        self.urls = settings.api_urls
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.goals_cap = settings.goals_cap
        self.http = requests.Session()
        self.http.mount("http://", HTTPAdapter(pool_connections=3, pool_maxsize=32))
        self.http.mount("https://", HTTPAdapter(pool_connections=3, pool_maxsize=32))
        self.directory = Directory()
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="api-call")

    def together(self, *calls: Callable[[], Any]) -> list[Any]:
        """Make independent calls at once, so a page waits for the slowest and not the sum.
        The first runs on the caller's thread; an exception is raised as if called in turn."""
        if len(calls) < 2:
            return [call() for call in calls]
        futures = [self._pool.submit(call) for call in calls[1:]]
        try:
            first = calls[0]()
        finally:
            wait(futures)  # none outlives the request that made it
        return [first, *(f.result() for f in futures)]

    def as_member(self, token: str) -> MemberApi:
        return MemberApi(self, token)

    def request(self, service: str, method: str, path: str, token: str | None,
                **kwargs) -> Any:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, self.urls[service] + path, headers=headers,
                                         timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ServiceUnavailable(service, unsent=_never_connected(exc)) from exc
        return _answer(service, method, response)

    def redeem_invite(self, code: str, key: str | None = None) -> dict:
        """The invited member and a fresh token; the code is the only credential. `key` sent
        again shortly after (a double click) signs the member in again, as the first did."""
        return self.request("goals", "POST", "/invites/redeem", None, json={"code": code},
                            headers=once(key))

    def request_sign_in_link(self, email: str) -> None:
        """Ask goals to mail a sign-in link; the same answer whether or not `email` is known."""
        self.request("goals", "POST", "/sign-in-links", None, json={"email": email})

    def redeem_sign_in_link(self, code: str, key: str | None = None) -> dict:
        """The member a mailed sign-in code names, and a fresh token; once, within 15 min
        (`key` sent again shortly after signs the member in again, as the first did)."""
        return self.request("goals", "POST", "/sign-in/redeem", None, json={"code": code},
                            headers=once(key))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.http.close()


def _never_connected(exc: requests.RequestException) -> bool:
    """Whether the request failed before a connection to the service was made (refused, or
    timed out connecting): then the service never saw it."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _answer(service: str, method: str, response: requests.Response) -> Any:
    status = response.status_code
    if status < 300:
        return response.json() if response.content else None
    body = _problem(response)
    detail = body.get("detail") or body.get("title") or f"HTTP {status}"
    if status == 401:
        raise SignedOut(detail, body.get("reason"))
    if status == 404 or (status == 403 and method == "GET"):
        raise NotFound(detail)
    if status == 403:
        raise Forbidden(detail)
    if status >= 500:
        raise ServiceUnavailable(service)
    if status == 412:
        raise Stale(detail)
    raise FormErrors(detail, body.get("errors") or {}, refusal_status(status))


def refusal_status(status: int) -> int:
    """The status a page answers an API's 4xx refusal with: a conflict with the state of what
    the form acts on (409: a draft cannot be achieved, a disabled channel tested) stays 409;
    any other refusal of what was sent is 422."""
    return 409 if status == 409 else 422


def _problem(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class Directory:
    """Each team's members for a short while, so a page that shows them (owners' names, the
    teammates one may invite) does not call the goals API twice. A member it does not know yet
    (a new one) refreshes it."""

    TTL = 30.0

    def __init__(self) -> None:
        self._members: dict[str, tuple[float, list[dict]]] = {}
        self._lock = threading.Lock()

    def get(self, team_id: str, needed: set[str]) -> list[dict] | None:
        with self._lock:
            expires, members = self._members.get(team_id, (0.0, []))
        fresh = expires > time.monotonic() and needed <= {m["id"] for m in members}
        return members if fresh else None

    def put(self, team_id: str, members: list[dict]) -> None:
        with self._lock:
            self._members[team_id] = (time.monotonic() + self.TTL, members)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._members.pop(team_id, None)


class MemberApi:
    """The endpoints the pages use, called with one member's token."""

    def __init__(self, client: ApiClient, token: str):
        self.client = client
        self.token = token

    def _call(self, service: str, method: str, path: str, **kwargs) -> Any:
        return self.client.request(service, method, path, self.token, **kwargs)

    def together(self, *calls: Callable[[], Any]) -> list[Any]:
        return self.client.together(*calls)

    # -- goals: teams and members ---------------------------------------------------------
    def member(self, team_id: str, member_id: str) -> dict:
        return self._call("goals", "GET", f"/v1/teams/{team_id}/members/{member_id}")

    def team(self, team_id: str) -> dict:
        return self._call("goals", "GET", f"/v1/teams/{team_id}")

    def update_team(self, team_id: str, fields: dict) -> dict:
        return self._call("goals", "PATCH", f"/v1/teams/{team_id}", json=fields)

    @or_unavailable
    def members(self, team_id: str) -> list[dict]:
        """Every member of the team, by name."""
        members = self._every("goals", f"/v1/teams/{team_id}/members", {})
        return sorted(members, key=lambda m: (m["name"].casefold(), m["id"]))

    def teammates(self, team_id: str, needed: set[str]) -> list[dict] | Unavailable:
        """Every member of the team, by name, as `members` reads them: from the directory
        while it knows every `needed`, else read (and kept). For pages that show members, not
        for managing them (up to `Directory.TTL` old)."""
        known = self.client.directory.get(team_id, needed)
        if known is not None:
            return known
        members = self.members(team_id)
        if not isinstance(members, Unavailable):
            self.client.directory.put(team_id, members)
        return members

    def names(self, team_id: str, needed: set[str]) -> dict[str, str]:
        """Member id -> name for the team; from the directory while it knows every `needed`."""
        members = self.teammates(team_id, needed)
        return {} if isinstance(members, Unavailable) else {m["id"]: m["name"] for m in members}

    def add_member(self, team_id: str, fields: dict, key: str | None = None) -> dict:
        """The added member with their API token, shown only now; the form's `key` sent
        again gets the same answer back."""
        return self._call("goals", "POST", f"/v1/teams/{team_id}/members", json=fields,
                          headers=once(key))

    def invite(self, team_id: str, member_id: str, key: str | None = None) -> dict:
        """A new invite link's code for the member; `key` sent again gets the same invite and
        code back."""
        return self._call("goals", "POST", f"/v1/teams/{team_id}/members/{member_id}/invites",
                          headers=once(key))

    def update_member(self, team_id: str, member_id: str, fields: dict) -> dict:
        return self._call("goals", "PATCH", f"/v1/teams/{team_id}/members/{member_id}",
                          json=fields)

    # -- goals: goals ---------------------------------------------------------------------
    @or_unavailable
    def goals(self, **filters) -> Listing:
        """The goals the filters keep, every page up to the cap (WEB_GOALS_CAP); `cut` says
        some are left."""
        return self._every("goals", "/v1/goals", filters, self.client.goals_cap)

    def _page(self, service: str, path: str, limit: int, cursor: str | None,
              params: dict | None = None) -> Listing:
        """One page (`limit` items) of a paged list, from `cursor`, of the items `params`
        keep: with where the next one starts (`next_cursor`) and, where the API says, when the
        list last changed (`changed_at`). A `cursor` the API refuses (a link to an older page,
        cut short) is a 400 that says so."""
        try:
            page = self._call(service, "GET", path, params={
                "limit": limit, **(params or {}), **({"cursor": cursor} if cursor else {})})
        except FormErrors as refused:  # our limit is one it takes: what it refuses is the link's
            if cursor:
                raise FormErrors(BROKEN_PAGE_LINK, status=400) from refused
            raise
        items = Listing(page["items"])
        items.next_cursor, items.changed_at = page.get("next_cursor"), page.get("changed_at")
        return items

    def _every(self, service: str, path: str, params: dict, cap: int | None = None,
               cursor: str | None = None) -> Listing:
        """Every item of a paged list that `params` keep, from `cursor` on (else from the
        start), a page at a time, up to `cap` items if one is given; `cut` says some were
        left."""
        found = Listing()
        while True:
            limit = PAGE if cap is None else min(PAGE, cap - len(found))
            page = self._page(service, path, limit, cursor, params)
            found.extend(page)
            cursor = page.next_cursor
            if not cursor:
                return found
            if cap is not None and len(found) >= cap:
                found.cut = True
                return found

    def goal(self, goal_id: str) -> dict:
        return self._call("goals", "GET", f"/v1/goals/{goal_id}")

    @or_unavailable
    def history(self, goal_id: str) -> list[dict]:
        """Every change to the goal, oldest first."""
        return self._every("goals", f"/v1/goals/{goal_id}/history", {})

    def edit_goal(self, goal_id: str, fields: dict, version: str | int) -> dict:
        """Change the goal's `fields` if it is still at `version` (as last read), else `Stale`."""
        return self._call("goals", "PATCH", f"/v1/goals/{goal_id}", json=fields,
                          headers={"If-Match": f'"{version}"'})

    def create_goal(self, fields: dict, key: str | None = None) -> dict:
        return self._call("goals", "POST", "/v1/goals", json=fields,
                          headers=once(key))

    def move_goal(self, goal_id: str, move: str, key: str | None = None) -> dict:
        """`activate` a draft, `achieve` an active goal, `reopen` a closed or achieved one."""
        return self._call("goals", "POST", f"/v1/goals/{goal_id}/{move}", headers=once(key))

    def close_goal(self, goal_id: str, fields: dict, key: str | None = None) -> dict:
        return self._call("goals", "POST", f"/v1/goals/{goal_id}/close", json=fields,
                          headers=once(key))

    def add_milestone(self, goal_id: str, fields: dict, key: str | None = None) -> dict:
        return self._call("goals", "POST", f"/v1/goals/{goal_id}/milestones", json=fields,
                          headers=once(key))

    def move_milestone(self, goal_id: str, milestone_id: str, move: str,
                       key: str | None = None) -> dict:
        """`complete` a milestone, or `reopen` a completed one."""
        return self._call("goals", "POST",
                          f"/v1/goals/{goal_id}/milestones/{milestone_id}/{move}",
                          headers=once(key))

    @or_unavailable
    def assess(self, draft: dict) -> dict:
        return self._call("goals", "POST", "/v1/goals/assess", json=draft)

    @or_unavailable
    def templates(self) -> list[dict]:
        return self._call("goals", "GET", "/v1/goal-templates")["items"]

    def instantiate(self, key: str, parameters: dict, idempotency_key: str | None = None) -> dict:
        return self._call("goals", "POST", f"/v1/goal-templates/{key}/instantiate",
                          json={"parameters": parameters},
                          headers=once(idempotency_key))

    # -- checkins -------------------------------------------------------------------------
    @or_unavailable
    def checkins(self, goal_id: str, cursor: str | None = None, limit: int = PAGE) -> Listing:
        """A page of a goal's check-ins (`limit` of them), newest first, from `cursor`;
        `next_cursor` leads to older ones, and `changed_at` says when any of the goal's
        check-ins was last logged or corrected. Whether the goal exists is the goals API's
        word: a goal created a moment ago that the checkins service has not heard of yet has
        none."""
        try:
            return self._page("checkins", f"/v1/goals/{goal_id}/checkins", limit, cursor)
        except NotFound:
            return Listing()

    @or_unavailable
    def older_checkins(self, goal_id: str, cursor: str) -> Listing:
        """Every check-in of the goal from `cursor` on (a page's `next_cursor`), newest first,
        a page at a time: the rest of its road for the pace chart."""
        try:
            return self._every("checkins", f"/v1/goals/{goal_id}/checkins", {}, cursor=cursor)
        except NotFound:
            return Listing()

    def log_checkin(self, goal_id: str, fields: dict, key: str | None = None) -> dict:
        return self._call("checkins", "POST", f"/v1/goals/{goal_id}/checkins", json=fields,
                          headers=once(key))

    def give_kudos(self, checkin_id: str, emoji: str = ":clap:") -> dict:
        return self._call("checkins", "POST", f"/v1/checkins/{checkin_id}/kudos",
                          json={"emoji": emoji})

    def checkin(self, checkin_id: str) -> dict:
        return self._call("checkins", "GET", f"/v1/checkins/{checkin_id}")

    @or_unavailable
    def comments(self, checkin_id: str) -> list[dict]:
        """Every comment on the check-in, oldest first, a page at a time (the newest are the
        last page's)."""
        return self._every("checkins", f"/v1/checkins/{checkin_id}/comments", {})

    def add_comment(self, checkin_id: str, text: str, key: str | None = None) -> dict:
        """Comment on a check-in; `key` sent again adds nothing more (the first answer)."""
        return self._call("checkins", "POST", f"/v1/checkins/{checkin_id}/comments",
                          json={"text": text}, headers=once(key))

    @or_unavailable
    def due(self, team_id: str, owner_id: str | None = None) -> Listing:
        """When each goal of the team (or of `owner_id`) is next due, overdue first, every
        page: the team's up to the cap (WEB_GOALS_CAP, as for goals; `cut` says some are
        left), one owner's whole, as the cards of their goals (read up to the cap, by another
        order) each need theirs."""
        if owner_id:
            return self._every("checkins", f"/v1/teams/{team_id}/checkins-due",
                               {"owner_id": owner_id})
        return self._every("checkins", f"/v1/teams/{team_id}/checkins-due", {},
                           self.client.goals_cap)

    @or_unavailable
    def partnerships(self, team_id: str, status: tuple[str, ...] = ()) -> list[dict]:
        """Every partnership of the team in any of `status` (every one, ended ones too, when
        none is given), newest first, a page at a time: an open one may be older than any
        page of them."""
        return self._every("checkins", f"/v1/teams/{team_id}/partnerships",
                           {"status": list(status)} if status else {})

    def invite_partner(self, team_id: str, member_id: str, key: str | None = None) -> dict:
        return self._call("checkins", "POST", f"/v1/teams/{team_id}/partnerships",
                          json={"member_id": member_id}, headers=once(key))

    def answer_partnership(self, team_id: str, partnership_id: str, answer: str,
                           key: str | None = None) -> dict:
        """`accept` an invitation to me; `end` one (declined, or withdrawn by whom sent it)."""
        return self._call("checkins", "POST",
                          f"/v1/teams/{team_id}/partnerships/{partnership_id}/{answer}",
                          headers=once(key))

    @or_unavailable
    def pairing_rounds(self, team_id: str, cursor: str | None = None) -> Listing:
        """A page of the team's pairing rounds, newest first, from `cursor`; `next_cursor`
        leads to older rounds."""
        return self._page("checkins", f"/v1/teams/{team_id}/pairing-rounds", ROUNDS_PAGE,
                          cursor)

    def run_round(self, team_id: str, key: str | None = None) -> dict:
        return self._call("checkins", "POST", f"/v1/teams/{team_id}/pairing-rounds", json={},
                          headers=once(key))

    # -- notifications --------------------------------------------------------------------
    @or_unavailable
    def unread_count(self) -> int:
        return self._call("notifications", "GET", "/v1/me/feed/unread-count")["unread"]

    @or_unavailable
    def feed(self, limit: int, cursor: str | None = None) -> Listing:
        """A page of my feed, newest first, from `cursor` (the API's: a position in the feed,
        so notifications arriving meanwhile move nothing); `next_cursor` leads to older ones."""
        return self._page("notifications", "/v1/me/feed", limit, cursor)

    def mark_read(self, ids: list[str]) -> int:
        return self._call("notifications", "POST", "/v1/me/feed/read", json={"ids": ids})[
            "marked"]

    def link_my_slack(self, ticket: str) -> dict:
        return self._call("notifications", "POST", "/v1/me/slack", json={"ticket": ticket})

    @or_unavailable
    def preferences(self) -> dict:
        return self._call("notifications", "GET", "/v1/me/preferences")

    def set_preferences(self, fields: dict) -> dict:
        return self._call("notifications", "PUT", "/v1/me/preferences", json=fields)

    @or_unavailable
    def channels(self, team_id: str) -> list[dict]:
        return self._call("notifications", "GET", f"/v1/teams/{team_id}/channels")["items"]

    def add_channel(self, team_id: str, fields: dict, key: str | None = None) -> dict:
        return self._call("notifications", "POST", f"/v1/teams/{team_id}/channels", json=fields,
                          headers=once(key))

    def update_channel(self, team_id: str, channel_id: str, fields: dict) -> dict:
        """Rename, refilter, point elsewhere (`webhook_url`), disable or re-enable
        (`state: active`) a channel."""
        return self._call("notifications", "PATCH",
                          f"/v1/teams/{team_id}/channels/{channel_id}", json=fields)

    def rotate_channel_secret(self, team_id: str, channel_id: str,
                              key: str | None = None) -> dict:
        """A webhook channel's new signing secret (in this answer only); the old one signs
        beside it for a while."""
        return self._call("notifications", "POST",
                          f"/v1/teams/{team_id}/channels/{channel_id}/secret", headers=once(key))

    def test_channel(self, team_id: str, channel_id: str, key: str | None = None) -> dict:
        return self._call("notifications", "POST",
                          f"/v1/teams/{team_id}/channels/{channel_id}/test", headers=once(key))

    @or_unavailable
    def deliveries(self, team_id: str, cursor: str | None = None) -> Listing:
        """A page of the team's delivery log, newest first, from `cursor`; `next_cursor`
        leads to older deliveries."""
        return self._page("notifications", f"/v1/teams/{team_id}/deliveries", DELIVERIES_PAGE,
                          cursor)

    @or_unavailable
    def digest_settings(self, team_id: str) -> dict:
        return self._call("notifications", "GET", f"/v1/teams/{team_id}/digest")

    def set_digest_settings(self, team_id: str, fields: dict) -> dict:
        return self._call("notifications", "PUT", f"/v1/teams/{team_id}/digest", json=fields)
