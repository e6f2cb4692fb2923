"""HTTP views of the private calendar feed: issue or renew its URL, see it, revoke it, and the
feed itself (`GET /calendar/<token>.ics`, where the token is the only credential)."""

from __future__ import annotations

from flask import Response, url_for
from flask.views import MethodView

from services.checkins.entrypoints.blueprints import teams
from services.checkins.entrypoints.calendar_schemas import CalendarFeedOut
from services.checkins.service_layer.calendar_handlers import FeedState
from services.checkins.service_layer.commands import (
    GetCalendarFeed,
    IssueCalendarFeed,
    RenderCalendarFeed,
    RevokeCalendarFeed,
)
from shared.web import Blueprint, bus, container, require_team

calendar = Blueprint("calendar", __name__, url_prefix="/calendar",
                     description="Private iCalendar feeds (the URL's token is the credential)")


def present(state: FeedState) -> dict:
    url = url_for("calendar.feed", token=state.token, _external=True) if state.token else None
    return {"member_id": state.member_id, "active": state.active, "url": url,
            "created_at": state.created_at, "revoked_at": state.revoked_at}


@teams.route("/<team_id>/members/<member_id>/calendar-feed")
class CalendarFeedView(MethodView):
    @teams.response(201, CalendarFeedOut)
    def post(self, team_id, member_id):
        """Get a new private feed URL (renewing it: the previous URL stops working)."""
        return present(bus().handle(IssueCalendarFeed(require_team(team_id), team_id,
                                                      member_id)))

    @teams.response(200, CalendarFeedOut)
    def get(self, team_id, member_id):
        """Whether the member has an active feed (the URL itself is shown only when issued)."""
        return present(bus().handle(GetCalendarFeed(require_team(team_id), team_id,
                                                    member_id)))

    @teams.response(200, CalendarFeedOut)
    def delete(self, team_id, member_id):
        """Revoke the feed (the member or a lead): its URL answers 404 from now on."""
        return present(bus().handle(RevokeCalendarFeed(require_team(team_id), team_id,
                                                       member_id)))


@calendar.route("/<token>.ics", endpoint="feed")
@calendar.doc(responses={"200": {"description": "text/calendar"}, "404": {}})
def feed(token: str) -> Response:
    """The member's calendar: check-in due times, pairing sessions, goal due dates."""
    link = container().settings.public_url.rstrip("/")
    body = bus().handle(RenderCalendarFeed(token, link))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="goalkeeper.ics"',
        "Cache-Control": "private, max-age=300"})
