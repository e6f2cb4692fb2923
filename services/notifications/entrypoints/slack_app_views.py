"""What Slack calls: events, interactions, and the OAuth v2 install and redirect.

`/slack/events` and `/slack/interactions` are verified like `/slack/commands`
(`entrypoints.http.verify_slack_request`), then answered at once: each hands Slack's payload to
the bus as a command whose handler only touches the database or queues Web API work
(a `SlackTask` for the worker, or the modal's `views.open` in the background), so Slack gets
its acknowledgement well within 3 seconds.
"""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qs

from flask import Response, redirect, request
from flask.views import MethodView

from services.notifications.domain.slack_blocks import CHECKIN_ACTION, CHECKIN_MODAL
from services.notifications.entrypoints.blueprints import slack
from services.notifications.entrypoints.http import verify_slack_request
from services.notifications.service_layer.commands import (
    FinishSlackInstall,
    OpenCheckinModal,
    SlackAppRevoked,
    SlackHomeOpened,
    StartSlackInstall,
    SubmitCheckinModal,
)
from shared.domain import BadRequest
from shared.web import bus

ACK = ("", 200)


def _json(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        raise BadRequest("the body is not JSON") from exc
    if not isinstance(value, dict):
        raise BadRequest("the body is not a JSON object")
    return value


def _id(value) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


@slack.route("/events")
class Events(MethodView):
    @slack.doc(security=[])
    def post(self):
        """Slack's Events API: url_verification, app_home_opened, tokens_revoked,
        app_uninstalled."""
        body = _json(verify_slack_request().decode("utf-8", "replace"))
        if body.get("type") == "url_verification":
            return {"challenge": body.get("challenge", "")}
        event = body.get("event") or {}
        team, enterprise = body.get("team_id", ""), _id(body.get("enterprise_id"))
        kind = event.get("type")
        if kind == "app_home_opened" and event.get("tab", "home") == "home":
            bus().handle(SlackHomeOpened(team, event.get("user", "")))
        elif kind == "app_uninstalled" or (
                kind == "tokens_revoked" and (event.get("tokens") or {}).get("bot")):
            bus().handle(SlackAppRevoked(team, enterprise, kind))
        return ACK


@slack.route("/interactions")
class Interactions(MethodView):
    @slack.doc(security=[])
    def post(self):
        """Block actions (the "Check in" button) and view submissions (the check-in modal)."""
        form = parse_qs(verify_slack_request().decode("utf-8", "replace"))
        payload = _json((form.get("payload") or ["{}"])[0])
        user = (payload.get("user") or {}).get("id", "")
        team = _id(payload.get("team")) or (payload.get("user") or {}).get("team_id", "")
        enterprise = _id(payload.get("enterprise"))
        if payload.get("type") == "block_actions":
            for action in payload.get("actions") or []:
                if action.get("action_id") == CHECKIN_ACTION:
                    ref = _json(action.get("value", ""))
                    bus().handle(OpenCheckinModal(team, enterprise, user,
                                                  payload.get("trigger_id", ""),
                                                  ref.get("goal_id", ""), ref.get("dm_id")))
        view = payload.get("view") or {}
        if payload.get("type") == "view_submission" and view.get("callback_id") == CHECKIN_MODAL:
            answer = bus().handle(SubmitCheckinModal(
                team, user, view.get("id", ""), view.get("private_metadata", ""),
                (view.get("state") or {}).get("values") or {}))
            return answer if answer is not None else ACK
        return ACK


@slack.route("/install")
class Install(MethodView):
    @slack.doc(security=[])
    def get(self):
        """Follow a lead's install link: on to Slack's authorize page with an OAuth state."""
        return redirect(bus().handle(StartSlackInstall(request.args.get("ticket", ""))), 302)


@slack.route("/oauth_redirect")
class OAuthRedirect(MethodView):
    @slack.doc(security=[])
    def get(self):
        """Slack's redirect after the install: exchange the code, store the installation."""
        done = bus().handle(FinishSlackInstall(request.args.get("code", ""),
                                               request.args.get("state", ""),
                                               request.args.get("error")))
        name = html.escape(done.slack_team_name or done.slack_team_id)
        page = (f"<!doctype html><title>Goalkeeper installed</title><main><h1>Goalkeeper is "
                f"installed in {name}</h1><p>Check-in reminders now arrive as direct messages. "
                "You can close this tab.</p></main>")
        return Response(page, 200, mimetype="text/html")
