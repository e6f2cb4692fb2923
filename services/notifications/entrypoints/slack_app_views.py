"""What Slack calls: events, interactions, and the OAuth v2 install and redirect.

`/slack/events` and `/slack/interactions` are verified like `/slack/commands`
(`entrypoints.http.verify_slack_request`), then answered at once: each hands Slack's payload to
the bus as a command whose handler only touches the database or queues Web API work
(a `SlackTask` for the worker, or the modal's `views.open` in the background), so Slack gets
its acknowledgement well within 3 seconds. An event has one effect however often Slack delivers
it: its handler takes it by `event_id` first (`SlackEvents`).
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
from services.notifications.entrypoints.slack_app_schemas import (
    CheckinButtonIn,
    CheckinModalIn,
    EventsIn,
    HomeOpenedIn,
    InteractionIn,
    TokensRevokedIn,
    load,
)
from services.notifications.service_layer.commands import (
    FinishSlackInstall,
    OpenCheckinModal,
    SlackAppRevoked,
    SlackHomeOpened,
    StartSlackInstall,
    SubmitCheckinModal,
)
from shared.domain import BadRequest, DomainError
from shared.problems import status_of
from shared.web import bus

ACK = ("", 200)
HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
REFUSED_PAGE = {**HTML, "description": "A page saying why Goalkeeper was not installed."}


def _json(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        raise BadRequest("the body is not JSON") from exc
    if not isinstance(value, dict):
        raise BadRequest("the body is not a JSON object")
    return value


@slack.route("/events")
class Events(MethodView):
    @slack.doc(security=[])
    def post(self):
        """Slack's Events API: url_verification, app_home_opened, tokens_revoked,
        app_uninstalled."""
        body = load(EventsIn(), _json(verify_slack_request().decode("utf-8", "replace")))
        if body["type"] == "url_verification":
            return {"challenge": body["challenge"]}
        event, team, enterprise = body["event"], body["team_id"], body["enterprise_id"]
        event_id = body["event_id"]
        kind = event.get("type")
        if kind == "app_home_opened":
            opened = load(HomeOpenedIn(), event, at="event")
            if opened["tab"] == "home":
                bus().handle(SlackHomeOpened(team, opened["user"], event_id))
        elif kind == "app_uninstalled" or (
                kind == "tokens_revoked"
                and load(TokensRevokedIn(), event, at="event")["tokens"]["bot"]):
            bus().handle(SlackAppRevoked(team, enterprise, kind, event_id))
        return ACK


@slack.route("/interactions")
class Interactions(MethodView):
    @slack.doc(security=[])
    def post(self):
        """Block actions (the "Check in" button) and view submissions (the check-in modal)."""
        form = parse_qs(verify_slack_request().decode("utf-8", "replace"))
        payload = load(InteractionIn(), _json((form.get("payload") or ["{}"])[0]))
        user = payload["user"]["id"]
        team = payload["team"] or payload["user"]["team_id"]
        if payload["type"] == "block_actions":
            for index, action in enumerate(payload["actions"]):
                if action["action_id"] == CHECKIN_ACTION:
                    ref = load(CheckinButtonIn(), action, at=f"actions.{index}")["value"]
                    bus().handle(OpenCheckinModal(team, payload["enterprise"], user,
                                                  payload["trigger_id"], ref.get("goal_id", "")))
        view = payload["view"] or {}
        if payload["type"] == "view_submission" and view.get("callback_id") == CHECKIN_MODAL:
            ref = load(CheckinModalIn(), view, at="view")["private_metadata"]
            answer = bus().handle(SubmitCheckinModal(team, user, view["id"],
                                                     ref.get("goal_id", ""),
                                                     view["state"]["values"]))
            return answer if answer is not None else ACK
        return ACK


def _page(title: str, heading: str, text: str, status: int = 200) -> Response:
    """A page for the installing lead's browser (the install link and Slack's redirect are
    opened there, not by an API client)."""
    page = (f"<!doctype html><title>{html.escape(title)}</title><main><h1>"
            f"{html.escape(heading)}</h1>{text}</main>")
    return Response(page, status, mimetype="text/html")


def _not_installed(error: DomainError) -> Response:
    return _page("Goalkeeper not installed", "Goalkeeper was not installed",
                 f"<p>{html.escape(error.detail[:1].upper() + error.detail[1:])}.</p>",
                 status_of(error))


@slack.route("/install")
class Install(MethodView):
    @slack.doc(security=[], responses={
        302: {"description": "On to Slack's authorize page."},
        403: REFUSED_PAGE})
    def get(self):
        """Follow a lead's install link: on to Slack's authorize page with an OAuth state."""
        try:
            return redirect(bus().handle(StartSlackInstall(request.args.get("ticket", ""))), 302)
        except DomainError as error:
            return _not_installed(error)


@slack.route("/oauth_redirect")
class OAuthRedirect(MethodView):
    @slack.doc(security=[], responses={
        200: {**HTML, "description": "A page saying Goalkeeper is installed."},
        400: REFUSED_PAGE, 403: REFUSED_PAGE,
        503: {**HTML, "description": "Slack was busy: the page says when to reload it."}})
    def get(self):
        """Slack's redirect after the install: exchange the code, store the installation."""
        try:
            done = bus().handle(FinishSlackInstall(request.args.get("code", ""),
                                                   request.args.get("state", ""),
                                                   request.args.get("error")))
        except DomainError as error:
            return _not_installed(error)
        where = f" in {done.slack_team_name}" if done.slack_team_name else ""
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in (done.moved, done.unlinked)
                        if note)
        return _page("Goalkeeper installed", f"Goalkeeper is installed{where}",
                     "<p>Check-in reminders now arrive as direct messages. You can close this "
                     f"tab.</p>{notes}")
