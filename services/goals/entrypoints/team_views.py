"""HTTP views for teams and members: load, build a command, call the service layer, dump."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints import team_schemas as s
from services.goals.entrypoints.blueprints import teams
from services.goals.service_layer import teams as handlers
from shared.web import container, require_admin, require_lead, require_team


@teams.route("")
class TeamCollection(MethodView):
    @teams.arguments(s.TeamIn)
    @teams.response(201, s.TeamCreated)
    def post(self, body):
        """Create a team and its first lead (admin token)."""
        require_admin()
        c = container()
        lead = handlers.NewMember(role="lead", **body.pop("lead"))
        team, member, token = handlers.create_team(
            handlers.CreateTeam(lead=lead, **body), c.uow(), c.tokens, c.clock)
        return {"team": team, "lead": _with_token(member, token)}


@teams.route("/<team_id>")
class TeamItem(MethodView):
    @teams.response(200, s.TeamOut)
    def get(self, team_id):
        """The caller's team."""
        require_team(team_id)
        return handlers.get_team(team_id, container().uow())

    @teams.arguments(s.TeamPatch)
    @teams.response(200, s.TeamOut)
    def patch(self, body, team_id):
        """Change the team's name, time zone, SMART requirement or default cadence (lead)."""
        require_lead(team_id)
        return handlers.update_team(team_id, body, container().uow())


@teams.route("/<team_id>/members")
class MemberCollection(MethodView):
    @teams.arguments(s.MemberListArgs, location="query")
    @teams.response(200, s.MemberPage)
    def get(self, args, team_id):
        """The team's members, a page at a time."""
        require_team(team_id)
        items, cursor = handlers.list_members(team_id, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}

    @teams.arguments(s.MemberIn)
    @teams.response(201, s.MemberWithToken)
    def post(self, body, team_id):
        """Add a member to the team (lead token)."""
        require_lead(team_id)
        c = container()
        member, token = handlers.add_member(team_id, handlers.NewMember(**body), c.uow(), c.tokens)
        return _with_token(member, token)


@teams.route("/<team_id>/members/<member_id>")
class MemberItem(MethodView):
    @teams.response(200, s.MemberOut)
    def get(self, team_id, member_id):
        """One member of the caller's team."""
        require_team(team_id)
        return handlers.get_member(team_id, member_id, container().uow())

    @teams.arguments(s.MemberPatch)
    @teams.response(200, s.MemberOut)
    def patch(self, body, team_id, member_id):
        """Update a profile (self) or role and state (lead). Snooze with `snoozed_until`."""
        principal = require_team(team_id)
        return handlers.update_member(team_id, member_id, body, principal, container().uow())


@teams.route("/<team_id>/members/<member_id>/token")
class MemberToken(MethodView):
    @teams.response(201, s.MemberWithToken)
    def post(self, team_id, member_id):
        """Issue a fresh token (lead); every earlier token of the member stops working."""
        require_lead(team_id)
        c = container()
        member, token = handlers.rotate_token(team_id, member_id, c.uow(), c.tokens)
        return _with_token(member, token)

    @teams.response(204)
    def delete(self, team_id, member_id):
        """Revoke every token of the member (lead)."""
        require_lead(team_id)
        c = container()
        handlers.rotate_token(team_id, member_id, c.uow(), c.tokens)


def _with_token(member, token: str) -> dict:
    return {**s.MemberOut().dump(member), "token": token}
