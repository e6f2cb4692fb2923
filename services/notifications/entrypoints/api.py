"""HTTP views of the notifications service."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifications.entrypoints import schemas
from services.notifications.service_layer import handlers
from shared.web import container, require_lead

channels = Blueprint("channels", __name__, url_prefix="/v1/teams",
                     description="Channels and delivery log")


@channels.route("/<team_id>/channels")
class ChannelCollection(MethodView):
    @channels.arguments(schemas.ChannelIn)
    @channels.response(201, schemas.ChannelOut)
    def post(self, body, team_id):
        """Register a Slack incoming webhook for the team (lead token)."""
        require_lead(team_id)
        c = container()
        body["event_types"] = tuple(body["event_types"])
        return handlers.add_channel(handlers.AddChannel(team_id=team_id, **body), c.uow(),
                                    c.clock, c.settings.webhook_allowlist)

    @channels.response(200, schemas.ChannelList)
    def get(self, team_id):
        """The team's channels, with disabled ones and why (lead token)."""
        require_lead(team_id)
        return {"items": handlers.list_channels(team_id, container().uow())}


@channels.route("/<team_id>/deliveries")
class DeliveryLogView(MethodView):
    @channels.arguments(schemas.DeliveryArgs, location="query")
    @channels.response(200, schemas.DeliveryLog)
    def get(self, args, team_id):
        """What was sent, what failed and why, newest first (lead token)."""
        require_lead(team_id)
        return {"items": handlers.delivery_log(team_id, container().uow(), args["limit"])}
