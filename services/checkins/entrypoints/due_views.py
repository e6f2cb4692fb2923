"""HTTP view of the check-ins due across a team, in one call."""

from __future__ import annotations

from flask.views import MethodView

from services.checkins.entrypoints.blueprints import teams
from services.checkins.entrypoints.due_schemas import DueArgs, DueList
from services.checkins.service_layer.commands import ListDue
from shared.web import bus, require_team


@teams.route("/<team_id>/checkins-due")
class CheckinsDue(MethodView):
    @teams.arguments(DueArgs, location="query")
    @teams.response(200, DueList)
    def get(self, args, team_id):
        """When each active goal the caller may see is next due (overdue first), with streaks,
        a page at a time."""
        items, next_cursor = bus().handle(ListDue(require_team(team_id), team_id, **args))
        return {"items": items, "next_cursor": next_cursor}
