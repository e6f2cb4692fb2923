"""HTTP views of invite links: a lead issues one; the holder redeems it once for a token."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import invites, teams
from services.goals.entrypoints.invite_schemas import InviteOut, RedeemIn, SignedIn
from services.goals.entrypoints.team_schemas import with_token
from services.goals.service_layer.commands import InviteMember, RedeemInvite
from shared.web import bus, require_lead


@teams.route("/<team_id>/members/<member_id>/invites")
class MemberInvites(MethodView):
    @teams.response(201, InviteOut)
    def post(self, team_id, member_id):
        """A one-time invite link's code for the member (lead); it expires after 7 days."""
        return bus().handle(InviteMember(require_lead(team_id), team_id, member_id))


@invites.route("/redeem")
class Redeem(MethodView):
    @invites.arguments(RedeemIn)
    @invites.response(200, SignedIn)
    def post(self, body):
        """Exchange an invite code for the member's token: once, within 7 days (409 after)."""
        return with_token(bus().handle(RedeemInvite(body["code"])))
