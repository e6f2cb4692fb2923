"""HTTP views of the caller's own in-app feed and notification preferences."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifications.entrypoints import schemas
from services.notifications.service_layer import feed
from shared.web import container, require_member

me = Blueprint("me", __name__, url_prefix="/v1/me", description="My feed and preferences")


@me.route("/feed")
class Feed(MethodView):
    @me.arguments(schemas.FeedArgs, location="query")
    @me.response(200, schemas.FeedPage)
    def get(self, args):
        """My notifications, newest first (`unread=true` for unread only)."""
        items, cursor = feed.feed(require_member(), container().uow(), limit=args["limit"],
                                  cursor=args["cursor"], unread_only=args["unread"])
        return {"items": items, "next_cursor": cursor}


@me.route("/feed/unread-count")
class UnreadCount(MethodView):
    @me.response(200, schemas.UnreadCount)
    def get(self):
        """How many of my notifications are unread."""
        return {"unread": feed.unread_count(require_member(), container().uow())}


@me.route("/feed/read")
class MarkRead(MethodView):
    @me.arguments(schemas.MarkRead)
    @me.response(200, schemas.Marked)
    def post(self, body):
        """Mark some (`ids`) or all (`all: true`) of my notifications read."""
        principal = require_member()
        c = container()
        ids = None if body.get("all") else body["ids"]
        return {"marked": feed.mark_read(principal, c.uow(), c.clock, ids)}


@me.route("/preferences")
class Preferences(MethodView):
    @me.response(200, schemas.PreferencesOut)
    def get(self):
        """My muted event types, delivery mode, digest frequency and quiet hours."""
        return feed.preferences(require_member(), container().uow())

    @me.arguments(schemas.PreferencesIn)
    @me.response(200, schemas.PreferencesOut)
    def put(self, body):
        """Replace my preferences. Quiet hours are local time in my time zone."""
        return feed.set_preferences(require_member(), container().uow(), **body)
