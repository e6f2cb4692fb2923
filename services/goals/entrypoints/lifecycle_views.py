"""HTTP views moving a goal through its lifecycle (owner or lead)."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import goals
from services.goals.entrypoints.goal_schemas import GoalOut
from services.goals.entrypoints.http import answered_goal
from services.goals.entrypoints.lifecycle_schemas import CloseIn
from services.goals.service_layer.commands import AchieveGoal, ActivateGoal, CloseGoal, ReopenGoal
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request
from shared.web import bus, require_member

TRANSITIONS = {"activate": ActivateGoal, "achieve": AchieveGoal, "reopen": ReopenGoal}


@goals.route("/<goal_id>/<any(activate, achieve, reopen):action>")
class GoalTransition(MethodView):
    @goals.response(200, GoalOut)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, goal_id, action):
        """Activate a draft, mark an active goal achieved, or reopen a closed or achieved one.
        A retry with the same Idempotency-Key moves nothing and gets the first answer."""
        actor = require_member()
        moved = bus().handle(TRANSITIONS[action](
            actor, goal_id, idempotency=idempotent_request(actor.member_id)))
        return answered_goal(moved, 200)


@goals.route("/<goal_id>/close")
class GoalClose(MethodView):
    @goals.arguments(CloseIn)
    @goals.response(200, GoalOut)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, goal_id):
        """Close as partial, missed or dropped, with a retrospective; dropped may name
        the goal that replaced it. A retry with the same Idempotency-Key closes nothing and
        gets the first answer."""
        actor = require_member()
        closed = bus().handle(CloseGoal(actor, goal_id, **body,
                                        idempotency=idempotent_request(actor.member_id)))
        return answered_goal(closed, 200)
