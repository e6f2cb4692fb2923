"""HTTP views of check-ins, streaks, kudos and comments: load, build a command, handle, dump."""

from __future__ import annotations

from flask.views import MethodView

from services.checkins.domain.checkin import Progress
from services.checkins.entrypoints.blueprints import checkin_items, goal_checkins
from services.checkins.entrypoints.checkin_schemas import (
    CheckinIn,
    CheckinListArgs,
    CheckinOut,
    CheckinPage,
    CheckinPatch,
    CommentIn,
    CommentOut,
    CommentPage,
    KudosIn,
    KudosOut,
    StreakOut,
)
from services.checkins.service_layer.commands import (
    AddComment,
    EditCheckin,
    GetCheckin,
    GetStreak,
    GiveKudos,
    ListCheckins,
    ListComments,
    LogCheckin,
)
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request, replayed
from shared.web import bus, require_member


@goal_checkins.route("/<goal_id>/checkins")
class GoalCheckins(MethodView):
    @goal_checkins.arguments(CheckinIn)
    @goal_checkins.response(201, CheckinOut)
    @goal_checkins.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, goal_id):
        """Log progress on a goal. A retry with the same Idempotency-Key logs nothing new."""
        actor = require_member()
        logged = bus().handle(LogCheckin(actor, goal_id, Progress(**body),
                                         idempotency=idempotent_request(actor.member_id)))
        return replayed(logged.replayed) if logged.replayed else logged.made

    @goal_checkins.arguments(CheckinListArgs, location="query")
    @goal_checkins.response(200, CheckinPage)
    def get(self, args, goal_id):
        """A goal's check-ins, newest first, a page at a time."""
        return bus().handle(ListCheckins(require_member(), goal_id, **args))


@goal_checkins.route("/<goal_id>/streak")
class GoalStreak(MethodView):
    @goal_checkins.response(200, StreakOut)
    def get(self, goal_id):
        """Current and longest run of consecutive periods with a check-in, and the next due."""
        return bus().handle(GetStreak(require_member(), goal_id))


@checkin_items.route("/<checkin_id>")
class CheckinItem(MethodView):
    @checkin_items.response(200, CheckinOut)
    def get(self, checkin_id):
        """One check-in with its kudos counts."""
        return bus().handle(GetCheckin(require_member(), checkin_id))

    @checkin_items.arguments(CheckinPatch(partial=True))
    @checkin_items.response(200, CheckinOut)
    def patch(self, body, checkin_id):
        """Correct your own check-in within the edit window; the fields given replace theirs."""
        return bus().handle(EditCheckin(require_member(), checkin_id, body))


@checkin_items.route("/<checkin_id>/kudos")
class CheckinKudos(MethodView):
    @checkin_items.arguments(KudosIn)
    @checkin_items.response(201, KudosOut)
    def post(self, body, checkin_id):
        """React to a teammate's check-in; the same emoji twice counts once (200); ❤ is ❤️."""
        given = bus().handle(GiveKudos(require_member(), checkin_id, body["emoji"]))
        return given.kudos, 201 if given.created else 200


@checkin_items.route("/<checkin_id>/comments")
class CheckinComments(MethodView):
    @checkin_items.arguments(CommentIn)
    @checkin_items.response(201, CommentOut)
    @checkin_items.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, checkin_id):
        """Comment on a check-in the caller can see. A retry with the same Idempotency-Key
        adds nothing new and gets the first answer."""
        actor = require_member()
        added = bus().handle(AddComment(actor, checkin_id, body["text"],
                                        idempotency=idempotent_request(actor.member_id)))
        return replayed(added.replayed) if added.replayed else added.made

    @checkin_items.arguments(CheckinListArgs, location="query")
    @checkin_items.response(200, CommentPage)
    def get(self, args, checkin_id):
        """Comments on a check-in, oldest first."""
        items, cursor = bus().handle(ListComments(require_member(), checkin_id, **args))
        return {"items": items, "next_cursor": cursor}
