"""The Slack Web API and Slack's OAuth v2, through slack-sdk.

- Every call goes through a `WebClient` whose base URL is `SLACK_API_URL`;
  `ConnectionErrorRetryHandler` retries a dropped connection. A 429 is not waited out in the
  call (slack-sdk's `RateLimitErrorRetryHandler` would hold the caller's thread, and the unit
  of work it calls from, for the whole `Retry-After`, up to an hour, and fails on one it
  cannot read): the call raises `SlackUnavailable` with the wait Slack asked for, read as the
  deliverer reads it, for the caller to try again then (the Slack task queue, a page).
- Installations (bot tokens) live in slack-sdk's `SQLAlchemyInstallationStore` and OAuth states
  in its `SQLAlchemyOAuthStateStore`, both on notifications' own database (their tables are in
  notifications' metadata and migrations). The stores use their own connections: tokens are
  read through the read-only engine, which never waits for a unit of work in progress; the
  writes (install, state, forget) happen outside any unit of work.
- Slack's errors are sorted into three kinds the service layer acts on: `SlackRevoked` (stop
  calling this workspace), `SlackUndeliverable` (this one message can never go) and
  `SlackUnavailable` (try again later).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from services.notifications.adapters.webhook_client import retry_after_seconds
from shared.db import read_only

log = logging.getLogger(__name__)

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
STATE_TTL_SECONDS = 600
REVOKED = ("token_revoked", "invalid_auth", "account_inactive", "not_authed", "team_not_found",
           "app_uninstalled", "ekm_access_denied")
UNDELIVERABLE = ("user_not_found", "user_disabled", "cannot_dm_bot", "channel_not_found",
                 "message_not_found", "cant_update_message", "is_archived", "not_in_channel",
                 "invalid_blocks", "invalid_arguments", "expired_trigger_id",
                 "invalid_trigger_id", "msg_too_long", "restricted_action", "invalid_code",
                 "code_already_used", "bad_redirect_uri")


class SlackRevoked(Exception):
    """The workspace's token no longer works: disable it, call it no more."""


class SlackUndeliverable(Exception):
    """Slack refused this one call for good (unknown user, archived conversation...)."""


class SlackUnavailable(Exception):
    """Rate limited (429), a 5xx, or no connection: try again later. `status` is
    Slack's HTTP status (None without an answer), `retry_after` the seconds its `Retry-After`
    asked for, if it did, and `method` the Web API method called (Slack limits each
    workspace's calls per method)."""

    def __init__(self, reason: str, status: int | None = None,
                 retry_after: float | None = None, method: str | None = None):
        super().__init__(reason)
        self.status, self.retry_after, self.method = status, retry_after, method


def _header(headers: dict, name: str) -> str | None:
    """`name`'s value in `headers` (any case; a value given as a list, its first)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list | tuple) and value else value
    return None


def web_client(base_url: str, token: str | None = None, *, timeout: int = 10) -> WebClient:
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client


class SlackClient:
    def __init__(self, engine: Engine, *, api_url: str, client_id: str, client_secret: str,
                 scopes: Sequence[str], authorize_url: str, redirect_uri: str | None = None):
        self.api_url = api_url
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uri = redirect_uri
        self.installations, self._tokens = (SQLAlchemyInstallationStore(
            client_id, bind, bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE, logger=log)
            for bind in (engine, read_only(engine)))
        self.states = SQLAlchemyOAuthStateStore(STATE_TTL_SECONDS, engine, logger=log,
                                                table_name=OAUTH_STATES_TABLE)
        self._authorize = AuthorizeUrlGenerator(client_id=client_id, scopes=list(scopes),
                                                redirect_uri=redirect_uri,
                                                authorization_url=authorize_url)

    # -- OAuth v2 -------------------------------------------------------------------------
    def issue_state(self) -> str:
        return self.states.issue()

    def consume_state(self, state: str) -> bool:
        return self.states.consume(state)

    def restore_state(self, state: str) -> None:
        """Make a consumed OAuth `state` good again for `STATE_TTL_SECONDS`: the install it
        began was not finished (Slack was busy), so its redirect may be opened again."""
        expire_at = datetime.now(UTC) + timedelta(seconds=STATE_TTL_SECONDS)
        with self.states.engine.begin() as conn:
            conn.execute(self.states.oauth_states.insert(),
                         {"state": state, "expire_at": expire_at.replace(tzinfo=None)})

    def authorize_url(self, state: str) -> str:
        return self._authorize.generate(state)

    def install(self, code: str) -> Installation:
        """Exchange the redirect's `code` with `oauth.v2.access` and store the installation."""
        answer = self._call("oauth.v2.access", lambda c: c.oauth_v2_access(
            client_id=self.client_id, client_secret=self.client_secret, code=code,
            redirect_uri=self.redirect_uri))
        team, enterprise = answer.get("team") or {}, answer.get("enterprise") or {}
        installer = answer.get("authed_user") or {}
        installation = Installation(
            app_id=answer.get("app_id"), enterprise_id=enterprise.get("id"),
            enterprise_name=enterprise.get("name"), team_id=team.get("id"),
            team_name=team.get("name"), bot_token=answer.get("access_token"),
            bot_id=answer.get("bot_id"), bot_user_id=answer.get("bot_user_id"),
            bot_scopes=answer.get("scope") or "", user_id=installer.get("id") or "",
            user_token=installer.get("access_token"), user_scopes=installer.get("scope") or "",
            is_enterprise_install=bool(answer.get("is_enterprise_install")),
            token_type=answer.get("token_type"))
        self.installations.save(installation)
        return installation

    def bot_token(self, slack_team_id: str, enterprise_id: str | None) -> str | None:
        bot = self._tokens.find_bot(enterprise_id=enterprise_id, team_id=slack_team_id)
        return bot.bot_token if bot is not None else None

    def forget(self, slack_team_id: str, enterprise_id: str | None) -> None:
        """Delete the workspace's tokens: nothing can call Slack for it any more."""
        self.installations.delete_all(enterprise_id=enterprise_id, team_id=slack_team_id)

    # -- the Web API ----------------------------------------------------------------------
    def open_dm(self, token: str, slack_user_id: str) -> str:
        answer = self._call("conversations.open",
                            lambda c: c.conversations_open(users=slack_user_id), token)
        return answer["channel"]["id"]

    def post(self, token: str, channel: str, message: dict) -> str:
        answer = self._call("chat.postMessage",
                            lambda c: c.chat_postMessage(channel=channel, **message), token)
        return answer["ts"]

    def update(self, token: str, channel: str, ts: str, message: dict) -> None:
        self._call("chat.update",
                   lambda c: c.chat_update(channel=channel, ts=ts, **message), token)

    def open_view(self, token: str, trigger_id: str, view: dict) -> None:
        self._call("views.open",
                   lambda c: c.views_open(trigger_id=trigger_id, view=view), token)

    def publish_home(self, token: str, slack_user_id: str, view: dict) -> None:
        self._call("views.publish",
                   lambda c: c.views_publish(user_id=slack_user_id, view=view), token)

    def _call(self, method: str, call, token: str | None = None) -> dict:
        client = web_client(self.api_url, token)
        try:
            return call(client).data
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response is not None else ""
            status = exc.response.status_code if exc.response is not None else 0
            if error in REVOKED:
                raise SlackRevoked(error) from exc
            if error in UNDELIVERABLE:
                raise SlackUndeliverable(error) from exc
            asked = retry_after_seconds(_header(exc.response.headers, "Retry-After")
                                        if exc.response is not None else None)
            raise SlackUnavailable(f"{status} {error}".strip(), status or None, asked,
                                   method) from exc
        except (SlackClientError, OSError) as exc:
            raise SlackUnavailable(str(exc) or type(exc).__name__, method=method) from exc
