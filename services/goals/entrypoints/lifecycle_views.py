"""HTTP views moving a goal through its lifecycle (owner or lead)."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import goals
from services.goals.entrypoints.goal_schemas import GoalOut, present_goal
from services.goals.entrypoints.http import etag
from services.goals.entrypoints.lifecycle_schemas import CloseIn
from services.goals.service_layer.commands import AchieveGoal, ActivateGoal, CloseGoal, ReopenGoal
from shared.web import bus, require_member

TRANSITIONS = {"activate": ActivateGoal, "achieve": AchieveGoal, "reopen": ReopenGoal}


@goals.route("/<goal_id>/<any(activate, achieve, reopen):action>")
class GoalTransition(MethodView):
    @goals.response(200, GoalOut)
    def post(self, goal_id, action):
        """Activate a draft, mark an active goal achieved, or reopen a closed or achieved one."""
        read = bus().handle(TRANSITIONS[action](require_member(), goal_id))
        return present_goal(read), 200, etag(read.goal)


@goals.route("/<goal_id>/close")
class GoalClose(MethodView):
    @goals.arguments(CloseIn)
    @goals.response(200, GoalOut)
    def post(self, body, goal_id):
        """Close as partial, missed or dropped, with a retrospective; dropped may name
        the goal that replaced it."""
        read = bus().handle(CloseGoal(require_member(), goal_id, **body))
        return present_goal(read), 200, etag(read.goal)
