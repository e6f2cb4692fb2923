"""HTTP views of the checkins service."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkins.entrypoints import schemas
from services.checkins.service_layer import handlers
from shared.web import container, require_member

checkins = Blueprint("checkins", __name__, url_prefix="/v1/goals", description="Check-ins")


@checkins.route("/<goal_id>/checkins")
class GoalCheckins(MethodView):
    @checkins.arguments(schemas.CheckinIn)
    @checkins.response(201, schemas.CheckinOut)
    def post(self, body, goal_id):
        """Log progress on a goal the caller can see."""
        principal = require_member()
        c = container()
        return handlers.log_checkin(handlers.LogCheckin(goal_id=goal_id, **body), principal,
                                    c.uow(), c.clock)

    @checkins.arguments(schemas.CheckinListArgs, location="query")
    @checkins.response(200, schemas.CheckinPage)
    def get(self, args, goal_id):
        """A goal's check-ins, newest first, a page at a time."""
        principal = require_member()
        items, cursor = handlers.list_checkins(goal_id, principal, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}
