"""HTTP views of one-time links: a lead's invite, and the email sign-in link a member asks for;
the holder of either redeems it once for a token."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.domain.invites import code_hash
from services.goals.entrypoints.blueprints import invites, sign_in, teams
from services.goals.entrypoints.invite_schemas import InviteOut, RedeemIn, SignedIn, SignInLinkIn
from services.goals.entrypoints.team_schemas import with_token
from services.goals.service_layer.commands import (
    InviteMember,
    RedeemInvite,
    RedeemSignInLink,
    RequestSignInLink,
)
from shared.idempotency import (
    IDEMPOTENCY_KEY_DOC,
    IdempotentRequest,
    idempotent_request,
    replayed_with,
)
from shared.web import bus, require_lead


@teams.route("/<team_id>/members/<member_id>/invites")
class MemberInvites(MethodView):
    @teams.response(201, InviteOut)
    @teams.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, team_id, member_id):
        """A one-time invite link's code for the member (lead); it expires after 7 days. A
        retry with the same Idempotency-Key makes no second invite and gets the first answer,
        with the same code."""
        lead = require_lead(team_id)
        issued = bus().handle(InviteMember(lead, team_id, member_id,
                                           idempotency=idempotent_request(lead.member_id)))
        if issued.replayed is None:
            return issued
        return replayed_with(issued.replayed, code=issued.code)


@invites.route("/redeem")
class Redeem(MethodView):
    @invites.arguments(RedeemIn)
    @invites.response(200, SignedIn)
    @invites.doc(security=[], **IDEMPOTENCY_KEY_DOC)
    def post(self, body):
        """Exchange an invite code for the member's token: once, within 7 days, until the
        member's or the sending lead's access is revoked (409 after); 403 once the member has
        left the team. A repeat under the same Idempotency-Key within a minute of the first
        (a double click) signs the member in again, as the first did."""
        return with_token(bus().handle(RedeemInvite(body["code"], link_request(body["code"]))))


@sign_in.route("/sign-in-links")
class SignInLinks(MethodView):
    @sign_in.arguments(SignInLinkIn)
    @sign_in.response(202)
    @sign_in.doc(security=[])
    def post(self, body):
        """Mail a sign-in link (valid 15 minutes) to a member with this address, when SMTP is
        set up in notifications. Always 202, so the answer does not tell who is a member."""
        bus().handle(RequestSignInLink(body["email"]))
        return ""


@sign_in.route("/sign-in/redeem")
class RedeemSignIn(MethodView):
    @sign_in.arguments(RedeemIn)
    @sign_in.response(200, SignedIn)
    @sign_in.doc(security=[], **IDEMPOTENCY_KEY_DOC)
    def post(self, body):
        """Exchange a mailed sign-in code for the member's token: once, within 15 minutes
        (409 after); 404 for a code never issued; 403 once the member has left the team. A
        repeat under the same Idempotency-Key within a minute of the first signs in again."""
        return with_token(bus().handle(RedeemSignInLink(body["code"],
                                                        link_request(body["code"]))))


def link_request(code: str) -> IdempotentRequest | None:
    """The request's Idempotency-Key, scoped to the link's code (the one credential here)."""
    return idempotent_request(code_hash(code))
