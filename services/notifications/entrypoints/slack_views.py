"""`POST /slack/commands`: the `/goals` slash command.

Verified like every request from Slack (`entrypoints.http.verify_slack_request`: the signing
secret, within 300 seconds); a verified request always gets a 200 ephemeral reply. Slack's
certificate check (`ssl_check=1`, unsigned) gets an empty 200 and nothing is done.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from flask.views import MethodView

from services.notifications.domain.slash import ephemeral, unreadable
from services.notifications.entrypoints.blueprints import slack
from services.notifications.entrypoints.http import is_ssl_check, verify_slack_request
from services.notifications.service_layer.commands import RunSlashCommand
from shared.web import bus

# The command's fields Slack fills in (the member's own text is read by the command's parser,
# which says what is wrong with it).
SENT_BY_SLACK = ("user_id", "team_id", "response_url", "trigger_id")


@slack.route("/commands")
class SlashCommands(MethodView):
    @slack.doc(security=[])
    def post(self):
        """The `/goals` command: checkin (or check-in), goals, status and help."""
        if is_ssl_check():
            return "", 200
        raw = verify_slack_request()
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        sent = {name: form.get(name, "") for name in SENT_BY_SLACK}
        if refusal := unreadable(sent):  # text no database stores, refused at the edge
            return ephemeral(refusal)
        return bus().handle(RunSlashCommand(slack_user_id=form.get("user_id", ""),
                                            text=form.get("text", ""),
                                            response_url=form.get("response_url", ""),
                                            slack_team_id=form.get("team_id", ""),
                                            trigger_id=form.get("trigger_id", "")))
