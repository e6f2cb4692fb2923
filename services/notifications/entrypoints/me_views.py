"""HTTP views of the caller's own in-app feed and notification preferences."""

from __future__ import annotations

from flask.views import MethodView

from services.notifications.entrypoints.blueprints import me
from services.notifications.entrypoints.me_schemas import (
    FeedArgs,
    FeedPage,
    Marked,
    MarkReadIn,
    PreferencesIn,
    PreferencesOut,
    UnreadCount,
)
from services.notifications.service_layer.commands import (
    CountUnread,
    GetPreferences,
    ListFeed,
    MarkRead,
    SetPreferences,
)
from shared.web import bus, kept_read, require_member


@me.route("/feed")
class Feed(MethodView):
    @kept_read
    @me.arguments(FeedArgs, location="query")
    @me.response(200, FeedPage)
    def get(self, args):
        """My notifications, newest first (`unread=true` for unread only)."""
        return bus().handle(ListFeed(require_member(), args["limit"], args["cursor"],
                                     unread_only=args["unread"]))


@me.route("/feed/unread-count")
class UnreadCountView(MethodView):
    @kept_read
    @me.response(200, UnreadCount)
    def get(self):
        """How many of my notifications are unread."""
        return {"unread": bus().handle(CountUnread(require_member()))}


@me.route("/feed/read")
class MarkReadView(MethodView):
    @me.arguments(MarkReadIn)
    @me.response(200, Marked)
    def post(self, body):
        """Mark some (`ids`) or all (`all: true`) of my notifications read."""
        ids = None if body.get("all") else tuple(body["ids"])
        return {"marked": bus().handle(MarkRead(require_member(), ids))}


@me.route("/preferences")
class PreferencesView(MethodView):
    @me.response(200, PreferencesOut)
    def get(self):
        """My muted event types, delivery mode, digest frequency and quiet hours."""
        return bus().handle(GetPreferences(require_member()))

    @me.arguments(PreferencesIn)
    @me.response(200, PreferencesOut)
    def put(self, body):
        """Replace my preferences: a field left out takes its default (nothing muted,
        `immediate`, `daily`, no quiet hours), so `{}` resets them all; the web page sends every
        field. Quiet hours are local time in my time zone."""
        quiet = body["quiet_hours"] or {}
        return bus().handle(SetPreferences(
            require_member(), muted=tuple(body["muted"]), delivery=body["delivery"],
            digest=body["digest"], quiet_start=quiet.get("start"), quiet_end=quiet.get("end")))
