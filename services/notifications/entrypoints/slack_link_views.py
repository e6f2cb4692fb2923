"""The Slack app from Goalkeeper's side: a lead's install link and user links, the team's
workspace status, and a member linking themself with the ticket the app offered in Slack."""

from __future__ import annotations

from flask.views import MethodView

from services.notifications.entrypoints.blueprints import channels, me
from services.notifications.entrypoints.slack_schemas import (
    InstallLinkOut,
    LinkTicketIn,
    SlackLinkOut,
    SlackUserIn,
    SlackWorkspaceOut,
)
from services.notifications.service_layer.commands import (
    GetSlackWorkspace,
    IssueSlackInstallLink,
    LinkMySlackAccount,
    LinkSlackUser,
)
from shared.web import bus, require_member


@channels.route("/<team_id>/slack")
class SlackWorkspaceView(MethodView):
    @channels.response(200, SlackWorkspaceOut)
    def get(self, team_id):
        """Whether the team's Slack workspace is installed and active (leads)."""
        return bus().handle(GetSlackWorkspace(require_member(), team_id))


@channels.route("/<team_id>/slack/install-link")
class InstallLinkView(MethodView):
    @channels.response(201, InstallLinkOut)
    def post(self, team_id):
        """A one-time link (15 minutes) that installs the Slack app for this team (leads)."""
        return bus().handle(IssueSlackInstallLink(require_member(), team_id))


@channels.route("/<team_id>/slack/members/<member_id>")
class SlackMemberView(MethodView):
    @channels.arguments(SlackUserIn)
    @channels.response(200, SlackLinkOut)
    def put(self, body, team_id, member_id):
        """Say which Slack user a member is (leads)."""
        return bus().handle(LinkSlackUser(require_member(), team_id, member_id,
                                          body["slack_user_id"]))


@me.route("/slack")
class MySlackLinkView(MethodView):
    @me.arguments(LinkTicketIn)
    @me.response(200, SlackLinkOut)
    def post(self, body):
        """Link me to the Slack user the app offered this ticket to."""
        return bus().handle(LinkMySlackAccount(require_member(), body["ticket"]))
