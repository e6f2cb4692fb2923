"""HTTP views for goals: create, list, read, edit (If-Match), assess, history."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import goals
from services.goals.entrypoints.goal_schemas import (
    AssessIn,
    AssessOut,
    GoalIn,
    GoalListArgs,
    GoalOut,
    GoalPage,
    GoalPatch,
    HistoryPage,
    present_goal,
)
from services.goals.entrypoints.http import IF_MATCH_DOC, answered_goal, etag, expected_version
from services.goals.service_layer.commands import (
    AssessDraft,
    CreateGoal,
    EditGoal,
    FindGoals,
    GetGoal,
    GoalHistory,
)
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request
from shared.pagination import PageArgs
from shared.web import bus, kept_read, require_member

ETAG_HEADER = {"ETag": {"schema": {"type": "string"}}}


@goals.route("")
class GoalCollection(MethodView):
    @goals.arguments(GoalIn)
    @goals.response(201, GoalOut, headers=ETAG_HEADER)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body):
        """Create a goal, owned by the caller unless a lead names another owner. A retry with
        the same Idempotency-Key creates nothing new and gets the first answer."""
        actor = require_member()
        created = bus().handle(CreateGoal(actor, **body,
                                          idempotency=idempotent_request(actor.member_id)))
        return answered_goal(created, 201)

    @kept_read
    @goals.arguments(GoalListArgs, location="query")
    @goals.response(200, GoalPage)
    def get(self, args):
        """Goals the caller may see, filtered, sorted and a page at a time."""
        found = bus().handle(FindGoals(require_member(), **args))
        return {"items": [present_goal(r) for r in found.items], "next_cursor": found.next_cursor}


@goals.route("/assess")
class GoalAssessment(MethodView):
    @goals.arguments(AssessIn)
    @goals.response(200, AssessOut)
    def post(self, body):
        """Assess a draft against the five SMART criteria, without saving it."""
        return bus().handle(AssessDraft(require_member(), **body))


@goals.route("/<goal_id>")
class GoalItem(MethodView):
    @kept_read
    @goals.response(200, GoalOut, headers=ETAG_HEADER)
    def get(self, goal_id):
        """A goal the caller may see, with its ETag."""
        read = bus().handle(GetGoal(require_member(), goal_id))
        return present_goal(read), 200, etag(read.goal)

    @goals.arguments(GoalPatch)
    @goals.response(200, GoalOut, headers=ETAG_HEADER)
    @goals.doc(**IF_MATCH_DOC)
    def patch(self, body, goal_id):
        """Edit a goal (owner or lead). Needs If-Match with the ETag last read."""
        principal = require_member()
        read = bus().handle(EditGoal(principal, goal_id, body, expected_version()))
        return present_goal(read), 200, etag(read.goal)


@goals.route("/<goal_id>/history")
class GoalHistoryView(MethodView):
    @goals.arguments(PageArgs, location="query")
    @goals.response(200, HistoryPage)
    def get(self, args, goal_id):
        """Every change to the goal, oldest first, with who made it and when."""
        return bus().handle(GoalHistory(require_member(), goal_id, **args))
