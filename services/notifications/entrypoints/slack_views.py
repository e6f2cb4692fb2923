"""`POST /slack/commands`: the `/goals` slash command, verified with Slack's signing secret.

Slack signs `v0:{X-Slack-Request-Timestamp}:{raw body}` with HMAC-SHA256; slack_sdk's
SignatureVerifier checks it against SLACK_SIGNING_SECRET within 300 seconds, in constant time.
Any failure is a 401 problem saying which; a verified request always gets a 200 ephemeral reply.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import request
from flask.views import MethodView
from slack_sdk.signature import SignatureVerifier

from services.notifications.entrypoints.blueprints import slack
from services.notifications.service_layer.commands import RunSlashCommand
from shared.auth import Unauthorized
from shared.web import bus, container

WINDOW_SECONDS = 300


class _SecondsClock:
    def __init__(self, clock):
        self.clock = clock

    def now(self) -> float:
        return self.clock.now().timestamp()


def verify_slack_request(raw: bytes) -> None:
    c = container()
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        raise Unauthorized("missing X-Slack-Request-Timestamp or X-Slack-Signature header")
    if not timestamp.isdigit():
        raise Unauthorized("X-Slack-Request-Timestamp must be Unix seconds")
    if abs(c.clock.now().timestamp() - int(timestamp)) > WINDOW_SECONDS:
        raise Unauthorized("stale request: X-Slack-Request-Timestamp is more than 300 s away")
    verifier = SignatureVerifier(c.settings.slack_signing_secret, _SecondsClock(c.clock))
    if not verifier.is_valid(raw, timestamp, signature):
        raise Unauthorized("invalid Slack signature")


@slack.route("/commands")
class SlashCommands(MethodView):
    @slack.doc(security=[])
    def post(self):
        """The `/goals` command: checkin <goal> <value> [note] | goals | status | help."""
        raw = request.get_data(cache=True)
        verify_slack_request(raw)
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        return bus().handle(RunSlashCommand(slack_user_id=form.get("user_id", ""),
                                            text=form.get("text", ""),
                                            response_url=form.get("response_url", "")))
