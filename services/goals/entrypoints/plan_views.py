"""HTTP views for the milestones and pathways of a goal (owner or lead)."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import goals
from services.goals.entrypoints.goal_schemas import GoalOut, PathwayOut
from services.goals.entrypoints.http import answered_goal
from services.goals.entrypoints.plan_schemas import (
    MilestoneCreated,
    MilestoneOrder,
    NewMilestone,
    NewPathway,
    PathwaySwitch,
)
from services.goals.service_layer.commands import (
    AddMilestone,
    AddPathway,
    CompleteMilestone,
    ReopenMilestone,
    ReorderMilestones,
    SwitchPathway,
)
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request, replayed
from shared.web import bus, require_member

MILESTONE_ACTIONS = {"complete": CompleteMilestone, "reopen": ReopenMilestone}


@goals.route("/<goal_id>/milestones")
class Milestones(MethodView):
    @goals.arguments(NewMilestone)
    @goals.response(201, MilestoneCreated)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, goal_id):
        """Add a milestone to a pathway (the active one by default). A retry with the same
        Idempotency-Key adds nothing new and gets the first answer."""
        actor = require_member()
        added = bus().handle(AddMilestone(actor, goal_id, **body,
                                          idempotency=idempotent_request(actor.member_id)))
        return replayed(added.replayed) if added.replayed else added.made


@goals.route("/<goal_id>/milestones/order")
class MilestoneOrdering(MethodView):
    @goals.arguments(MilestoneOrder)
    @goals.response(200, PathwayOut)
    def put(self, body, goal_id):
        """Reorder a pathway's milestones: list every milestone id once, in the new order."""
        return bus().handle(ReorderMilestones(require_member(), goal_id, **body))


@goals.route("/<goal_id>/milestones/<milestone_id>/<any(complete, reopen):action>")
class MilestoneAction(MethodView):
    @goals.response(200, GoalOut)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, goal_id, milestone_id, action):
        """Complete a milestone, or reopen a completed one. A retry with the same
        Idempotency-Key moves nothing and gets the first answer."""
        actor = require_member()
        moved = bus().handle(MILESTONE_ACTIONS[action](
            actor, goal_id, milestone_id, idempotency=idempotent_request(actor.member_id)))
        return answered_goal(moved, 200)


@goals.route("/<goal_id>/pathways")
class Pathways(MethodView):
    @goals.arguments(NewPathway)
    @goals.response(201, PathwayOut)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, goal_id):
        """Add an alternative pathway (inactive until switched to). A retry with the same
        Idempotency-Key adds nothing new and gets the first answer."""
        actor = require_member()
        added = bus().handle(AddPathway(actor, goal_id, **body,
                                        idempotency=idempotent_request(actor.member_id)))
        return replayed(added.replayed) if added.replayed else added.made


@goals.route("/<goal_id>/pathways/<pathway_id>/activate")
class PathwayActivation(MethodView):
    @goals.arguments(PathwaySwitch)
    @goals.response(200, GoalOut)
    @goals.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, goal_id, pathway_id):
        """Switch to another pathway, saying why. A retry with the same Idempotency-Key
        switches nothing and gets the first answer."""
        actor = require_member()
        switched = bus().handle(SwitchPathway(actor, goal_id, pathway_id, **body,
                                              idempotency=idempotent_request(actor.member_id)))
        return answered_goal(switched, 200)
