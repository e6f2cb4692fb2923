"""HTTP views for goals: create, list, read, edit (If-Match), assess, history."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.adapters.goal_queries import GoalFilter
from services.goals.entrypoints import goal_schemas as s
from services.goals.entrypoints.blueprints import goals
from services.goals.entrypoints.preconditions import IF_MATCH_DOC, expected_version
from services.goals.entrypoints.presenters import etag, present_goal
from services.goals.service_layer import goals as handlers
from shared.web import container, require_member

FILTERS = ("owner_id", "status", "health", "horizon", "parent_id", "due_before")


@goals.route("")
class GoalCollection(MethodView):
    @goals.arguments(s.GoalIn)
    @goals.response(201, s.GoalOut)
    def post(self, body):
        """Create a goal, owned by the caller unless a lead names another owner."""
        principal = require_member()
        c = container()
        read = handlers.create_goal(handlers.CreateGoal(**body), principal, c.uow(), c.clock)
        return present_goal(read), 201, etag(read)

    @goals.arguments(s.GoalListArgs, location="query")
    @goals.response(200, s.GoalPage)
    def get(self, args):
        """Goals the caller may see, filtered, sorted and a page at a time."""
        principal = require_member()
        c = container()
        filters = GoalFilter(**{k: args[k] for k in FILTERS if k in args})
        reads, cursor = handlers.find_goals(
            principal, c.uow(), c.clock, filters=filters, sort=args["sort"],
            cursor=args["cursor"], limit=args["limit"])
        return {"items": [present_goal(r) for r in reads], "next_cursor": cursor}


@goals.route("/assess")
class GoalAssessment(MethodView):
    @goals.arguments(s.AssessIn)
    @goals.response(200, s.AssessOut)
    def post(self, body):
        """Assess a draft against the five SMART criteria, without saving it."""
        principal = require_member()
        c = container()
        smart, horizon = handlers.assess_draft(body, principal, c.uow(), c.clock)
        return {"smart": {k: {"ok": v.ok, "hint": v.hint} for k, v in smart.items()},
                "horizon": horizon}


@goals.route("/<goal_id>")
class GoalItem(MethodView):
    @goals.response(200, s.GoalOut, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, goal_id):
        """A goal the caller may see, with its ETag."""
        principal = require_member()
        c = container()
        read = handlers.get_goal(goal_id, principal, c.uow(), c.clock)
        return present_goal(read), 200, etag(read)

    @goals.arguments(s.GoalPatch)
    @goals.response(200, s.GoalOut, headers={"ETag": {"schema": {"type": "string"}}})
    @goals.doc(**IF_MATCH_DOC)
    def patch(self, body, goal_id):
        """Edit a goal (owner or lead). Needs If-Match with the ETag last read."""
        principal = require_member()
        c = container()
        read = handlers.edit_goal(goal_id, body, expected_version(), principal, c.uow(), c.clock)
        return present_goal(read), 200, etag(read)


@goals.route("/<goal_id>/history")
class GoalHistory(MethodView):
    @goals.arguments(s.PageArgs, location="query")
    @goals.response(200, s.HistoryPage)
    def get(self, args, goal_id):
        """Every change to the goal, oldest first, with who made it and when."""
        principal = require_member()
        items, cursor = handlers.goal_history(goal_id, principal, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}
