"""HTTP views for teams and members: load, build a command, hand it to the bus, dump."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import teams
from services.goals.entrypoints.team_schemas import (
    MemberIn,
    MemberListArgs,
    MemberOut,
    MemberPage,
    MemberPatch,
    MemberWithToken,
    TeamCreated,
    TeamIn,
    TeamOut,
    TeamPatch,
    with_token,
)
from services.goals.service_layer.commands import (
    AddMember,
    CreateTeam,
    GetMember,
    GetTeam,
    ListMembers,
    NewMember,
    RevokeTokens,
    RotateToken,
    UpdateMember,
    UpdateTeam,
)
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request, replayed_with
from shared.web import bus, require_admin, require_lead, require_team


@teams.route("")
class TeamCollection(MethodView):
    @teams.arguments(TeamIn)
    @teams.response(201, TeamCreated)
    def post(self, body):
        """Create a team and its first lead (admin token)."""
        admin = require_admin()
        lead = NewMember(role="lead", **body.pop("lead"))
        created = bus().handle(CreateTeam(admin, lead=lead, **body))
        return {"team": created.team, "lead": with_token(created.lead)}


@teams.route("/<team_id>")
class TeamItem(MethodView):
    @teams.response(200, TeamOut)
    def get(self, team_id):
        """The caller's team."""
        return bus().handle(GetTeam(require_team(team_id), team_id))

    @teams.arguments(TeamPatch)
    @teams.response(200, TeamOut)
    def patch(self, body, team_id):
        """Change the team's name, time zone, SMART requirement or default cadence (lead)."""
        return bus().handle(UpdateTeam(require_lead(team_id), team_id, body))


@teams.route("/<team_id>/members")
class MemberCollection(MethodView):
    @teams.arguments(MemberListArgs, location="query")
    @teams.response(200, MemberPage)
    def get(self, args, team_id):
        """The team's members, a page at a time."""
        return bus().handle(ListMembers(require_team(team_id), team_id, **args))

    @teams.arguments(MemberIn)
    @teams.response(201, MemberWithToken)
    @teams.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, team_id):
        """Add a member to the team (lead token), with an API token for them. A retry with the
        same Idempotency-Key adds no one and gets the first answer, with a token signed for
        the member again: the key's ledger keeps no token, and a key is the sending lead's
        alone."""
        lead = require_lead(team_id)
        added = bus().handle(AddMember(lead, team_id, NewMember(**body),
                                       idempotency=idempotent_request(lead.member_id)))
        if added.replayed is None:
            return with_token(added.issued)
        return replayed_with(added.replayed, token=added.issued.token)


@teams.route("/<team_id>/members/<member_id>")
class MemberItem(MethodView):
    @teams.response(200, MemberOut)
    def get(self, team_id, member_id):
        """One member of the caller's team."""
        return bus().handle(GetMember(require_team(team_id), team_id, member_id))

    @teams.arguments(MemberPatch)
    @teams.response(200, MemberOut)
    def patch(self, body, team_id, member_id):
        """Update a profile (self) or role and state (lead). Snooze with `snoozed_until`."""
        return bus().handle(UpdateMember(require_team(team_id), team_id, member_id, body))


@teams.route("/<team_id>/members/<member_id>/token")
class MemberToken(MethodView):
    @teams.response(201, MemberWithToken)
    def post(self, team_id, member_id):
        """Issue a fresh token (lead); every earlier token of the member stops working."""
        return with_token(bus().handle(RotateToken(require_lead(team_id), team_id, member_id)))

    @teams.response(204)
    def delete(self, team_id, member_id):
        """Revoke every token of the member (lead)."""
        bus().handle(RevokeTokens(require_lead(team_id), team_id, member_id))
