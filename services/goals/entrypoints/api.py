"""HTTP views of the goals service: load, build a command, call the service layer, dump."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.goals.entrypoints import schemas
from services.goals.service_layer import handlers
from shared.web import container, require_admin, require_lead, require_member

teams = Blueprint("teams", __name__, url_prefix="/v1/teams", description="Teams and members")
goals = Blueprint("goals", __name__, url_prefix="/v1/goals", description="Goals")


@teams.route("")
class TeamCollection(MethodView):
    @teams.arguments(schemas.TeamIn)
    @teams.response(201, schemas.TeamCreated)
    def post(self, body):
        """Create a team and its first lead (admin token)."""
        require_admin()
        c = container()
        lead = handlers.NewMember(role="lead", **body.pop("lead"))
        team, member, token = handlers.create_team(
            handlers.CreateTeam(lead=lead, **body), c.uow(), c.tokens, c.clock
        )
        return {"team": team, "lead": _with_token(member, token)}


@teams.route("/<team_id>/members")
class MemberCollection(MethodView):
    @teams.arguments(schemas.MemberIn)
    @teams.response(201, schemas.MemberWithToken)
    def post(self, body, team_id):
        """Add a member to the team (lead token)."""
        require_lead(team_id)
        c = container()
        member, token = handlers.add_member(team_id, handlers.NewMember(**body), c.uow(), c.tokens)
        return _with_token(member, token)


@goals.route("")
class GoalCollection(MethodView):
    @goals.arguments(schemas.GoalIn)
    @goals.response(201, schemas.GoalOut)
    def post(self, body):
        """Create a goal owned by the caller."""
        principal = require_member()
        c = container()
        return handlers.create_goal(handlers.CreateGoal(**body), principal, c.uow(), c.clock)


@goals.route("/<goal_id>")
class GoalItem(MethodView):
    @goals.response(200, schemas.GoalOut)
    def get(self, goal_id):
        """A goal the caller may see."""
        principal = require_member()
        return handlers.get_goal(goal_id, principal, container().uow())


def _with_token(member, token: str) -> dict:
    return {**schemas.MemberOut().dump(member), "token": token}
