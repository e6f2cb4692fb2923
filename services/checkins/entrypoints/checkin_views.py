"""HTTP views of check-ins, streaks, kudos and comments: load, call the service layer, dump."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkins.domain.checkin import Progress
from services.checkins.entrypoints import schemas
from services.checkins.service_layer import checkins as use_cases
from services.checkins.service_layer import social
from shared.idempotency import Idempotency, respond
from shared.web import container, require_member

goal_checkins = Blueprint("goal_checkins", __name__, url_prefix="/v1/goals",
                          description="Check-ins and streaks of a goal")
checkin_items = Blueprint("checkin_items", __name__, url_prefix="/v1/checkins",
                          description="One check-in, its kudos and comments")


@goal_checkins.route("/<goal_id>/checkins")
class GoalCheckins(MethodView):
    @goal_checkins.arguments(schemas.CheckinIn)
    @goal_checkins.response(201, schemas.CheckinOut)
    @goal_checkins.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                                    "schema": {"type": "string", "maxLength": 255}}])
    def post(self, body, goal_id):
        """Log progress on a goal. A retry with the same Idempotency-Key logs nothing new."""
        principal = require_member()
        c = container()
        key = Idempotency.from_request(c.idempotency, principal.member_id,
                                       schemas.CheckinOut().dump)
        return respond(use_cases.log_checkin(goal_id, Progress(**body), principal, c.uow(),
                                             c.clock, c.policy, key))

    @goal_checkins.arguments(schemas.CheckinListArgs, location="query")
    @goal_checkins.response(200, schemas.CheckinPage)
    def get(self, args, goal_id):
        """A goal's check-ins, newest first, a page at a time."""
        principal = require_member()
        items, cursor = use_cases.list_checkins(goal_id, principal, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}


@goal_checkins.route("/<goal_id>/streak")
class GoalStreak(MethodView):
    @goal_checkins.response(200, schemas.StreakOut)
    def get(self, goal_id):
        """Current and longest run of consecutive periods with a check-in, and the next due."""
        principal = require_member()
        c = container()
        return use_cases.goal_streak(goal_id, principal, c.uow(), c.clock, c.policy)


@checkin_items.route("/<checkin_id>")
class CheckinItem(MethodView):
    @checkin_items.response(200, schemas.CheckinOut)
    def get(self, checkin_id):
        """One check-in with its kudos counts."""
        return use_cases.get_checkin(checkin_id, require_member(), container().uow())

    @checkin_items.arguments(schemas.CheckinPatch(partial=True))
    @checkin_items.response(200, schemas.CheckinOut)
    def patch(self, body, checkin_id):
        """Correct your own check-in within the edit window; the fields given replace theirs."""
        c = container()
        return use_cases.edit_checkin(checkin_id, body, require_member(), c.uow(), c.clock,
                                      c.policy)


@checkin_items.route("/<checkin_id>/kudos")
class CheckinKudos(MethodView):
    @checkin_items.arguments(schemas.KudosIn)
    @checkin_items.response(201, schemas.KudosOut)
    def post(self, body, checkin_id):
        """React to a teammate's check-in; the same emoji twice counts once (200)."""
        c = container()
        kudos, created = social.give_kudos(checkin_id, body["emoji"], require_member(), c.uow(),
                                           c.clock)
        return kudos, 201 if created else 200


@checkin_items.route("/<checkin_id>/comments")
class CheckinComments(MethodView):
    @checkin_items.arguments(schemas.CommentIn)
    @checkin_items.response(201, schemas.CommentOut)
    def post(self, body, checkin_id):
        """Comment on a check-in the caller can see."""
        c = container()
        return social.add_comment(checkin_id, body["text"], require_member(), c.uow(), c.clock)

    @checkin_items.arguments(schemas.CheckinListArgs, location="query")
    @checkin_items.response(200, schemas.CommentPage)
    def get(self, args, checkin_id):
        """Comments on a check-in, oldest first."""
        items, cursor = social.list_comments(checkin_id, require_member(), container().uow(),
                                             **args)
        return {"items": items, "next_cursor": cursor}
