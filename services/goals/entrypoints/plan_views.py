"""HTTP views for milestones, pathways and lifecycle actions on a goal (owner or lead)."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints import goal_schemas as gs
from services.goals.entrypoints import plan_schemas as s
from services.goals.entrypoints.blueprints import goals
from services.goals.entrypoints.presenters import etag, present_goal
from services.goals.service_layer import lifecycle, plans
from shared.web import container, require_member


@goals.route("/<goal_id>/milestones")
class Milestones(MethodView):
    @goals.arguments(s.NewMilestone)
    @goals.response(201, s.MilestoneCreated)
    def post(self, body, goal_id):
        """Add a milestone to a pathway (the active one by default)."""
        c = container()
        return plans.add_milestone(goal_id, body["title"], body["due_date"], body["pathway_id"],
                                   require_member(), c.uow(), c.clock)


@goals.route("/<goal_id>/milestones/order")
class MilestoneOrder(MethodView):
    @goals.arguments(s.MilestoneOrder)
    @goals.response(200, gs.PathwayOut)
    def put(self, body, goal_id):
        """Reorder a pathway's milestones: list every milestone id once, in the new order."""
        c = container()
        return plans.reorder_milestones(goal_id, body["milestone_ids"], body["pathway_id"],
                                        require_member(), c.uow(), c.clock)


@goals.route("/<goal_id>/milestones/<milestone_id>/<any(complete, reopen):action>")
class MilestoneAction(MethodView):
    @goals.response(200, gs.GoalOut)
    def post(self, goal_id, milestone_id, action):
        """Complete a milestone, or reopen a completed one."""
        c = container()
        read = plans.set_milestone_done(goal_id, milestone_id, action == "complete",
                                        require_member(), c.uow(), c.clock)
        return present_goal(read), 200, etag(read)


@goals.route("/<goal_id>/pathways")
class Pathways(MethodView):
    @goals.arguments(s.NewPathway)
    @goals.response(201, gs.PathwayOut)
    def post(self, body, goal_id):
        """Add an alternative pathway (inactive until switched to)."""
        c = container()
        return plans.add_pathway(goal_id, body["name"], body["description"], require_member(),
                                 c.uow(), c.clock)


@goals.route("/<goal_id>/pathways/<pathway_id>/activate")
class PathwaySwitch(MethodView):
    @goals.arguments(s.PathwaySwitch)
    @goals.response(200, gs.GoalOut)
    def post(self, body, goal_id, pathway_id):
        """Switch to another pathway, saying why."""
        c = container()
        read = plans.switch_pathway(goal_id, pathway_id, body["reason"], require_member(),
                                    c.uow(), c.clock)
        return present_goal(read), 200, etag(read)


@goals.route("/<goal_id>/<any(activate, achieve, reopen):action>")
class GoalTransition(MethodView):
    @goals.response(200, gs.GoalOut)
    def post(self, goal_id, action):
        """Activate a draft, mark an active goal achieved, or reopen a closed one."""
        c = container()
        read = lifecycle.transition(goal_id, action, require_member(), c.uow(), c.clock)
        return present_goal(read), 200, etag(read)


@goals.route("/<goal_id>/close")
class GoalClose(MethodView):
    @goals.arguments(s.CloseIn)
    @goals.response(200, gs.GoalOut)
    def post(self, body, goal_id):
        """Close as partial, missed or dropped, with a retrospective; dropped may name
        the goal that replaced it."""
        c = container()
        read = lifecycle.transition(goal_id, "close", require_member(), c.uow(), c.clock, **body)
        return present_goal(read), 200, etag(read)
