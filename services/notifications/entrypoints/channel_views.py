"""HTTP views of channels, the delivery log and the team digest (lead token)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifications.entrypoints import schemas
from services.notifications.service_layer import handlers
from shared.web import container, require_lead

channels = Blueprint("channels", __name__, url_prefix="/v1/teams",
                     description="Channels, delivery log and team digest (leads)")


def _tuple(body: dict, name: str) -> None:
    if name in body:
        body[name] = tuple(body[name])


@channels.route("/<team_id>/channels")
class ChannelCollection(MethodView):
    @channels.arguments(schemas.ChannelIn)
    @channels.response(201, schemas.ChannelCreated)
    def post(self, body, team_id):
        """Add a Slack incoming webhook or a signed outgoing webhook (secret shown once)."""
        require_lead(team_id)
        c = container()
        _tuple(body, "event_types")
        _tuple(body, "health")
        return handlers.add_channel(handlers.AddChannel(team_id=team_id, **body), c.uow(),
                                    c.clock, c.settings.webhook_allowlist)

    @channels.response(200, schemas.ChannelList)
    def get(self, team_id):
        """The team's channels, with disabled ones and why."""
        require_lead(team_id)
        return {"items": handlers.list_channels(team_id, container().uow())}


@channels.route("/<team_id>/channels/<channel_id>")
class ChannelItem(MethodView):
    @channels.response(200, schemas.ChannelOut)
    def get(self, team_id, channel_id):
        """One channel."""
        require_lead(team_id)
        return handlers.get_channel(team_id, channel_id, container().uow())

    @channels.arguments(schemas.ChannelPatch)
    @channels.response(200, schemas.ChannelOut)
    def patch(self, body, team_id, channel_id):
        """Rename, refilter, disable, or re-enable (`state: active`) a channel."""
        require_lead(team_id)
        _tuple(body, "event_types")
        _tuple(body, "health")
        cmd = handlers.ChangeChannel(team_id=team_id, channel_id=channel_id, **body)
        return handlers.change_channel(cmd, container().uow())

    @channels.response(204)
    def delete(self, team_id, channel_id):
        """Remove a channel; its delivery log stays."""
        require_lead(team_id)
        handlers.delete_channel(team_id, channel_id, container().uow())


@channels.route("/<team_id>/deliveries")
class DeliveryLogView(MethodView):
    @channels.arguments(schemas.DeliveryArgs, location="query")
    @channels.response(200, schemas.DeliveryLog)
    def get(self, args, team_id):
        """What was sent, what failed and why, newest first; filter by status or channel."""
        require_lead(team_id)
        items, cursor = handlers.delivery_log(team_id, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}


@channels.route("/<team_id>/digest")
class TeamDigestView(MethodView):
    @channels.response(200, schemas.DigestSettingsOut)
    def get(self, team_id):
        """When the weekly team digest goes to Slack."""
        require_lead(team_id)
        return handlers.digest_settings(team_id, container().uow())

    @channels.arguments(schemas.DigestSettingsIn)
    @channels.response(200, schemas.DigestSettingsOut)
    def put(self, body, team_id):
        """Choose the digest's weekday and hour (team time zone), or turn it off."""
        require_lead(team_id)
        return handlers.set_digest_settings(team_id, container().uow(), **body)
