"""HTTP views of channels, the delivery log and the team digest (lead token)."""

from __future__ import annotations

from flask.views import MethodView

from services.notifications.entrypoints.blueprints import channels
from services.notifications.entrypoints.channel_schemas import (
    ChannelCreated,
    ChannelIn,
    ChannelList,
    ChannelOut,
    ChannelPatch,
    DeliveryArgs,
    DeliveryLog,
    DigestSettingsIn,
    DigestSettingsOut,
    TestMessageOut,
)
from services.notifications.service_layer.commands import (
    AddChannel,
    ChangeChannel,
    DeleteChannel,
    GetChannel,
    GetTeamDigest,
    ListChannels,
    ListDeliveries,
    RotateChannelSecret,
    SendTestMessage,
    SetTeamDigest,
)
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request, replayed
from shared.web import bus, require_member


def _filters(body: dict) -> dict:
    """The list filters of a channel body as the tuples a command holds."""
    return {k: tuple(v) if k in ("event_types", "health") else v for k, v in body.items()}


@channels.route("/<team_id>/channels")
class ChannelCollection(MethodView):
    @channels.arguments(ChannelIn)
    @channels.response(201, ChannelCreated)
    @channels.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, team_id):
        """Add a Slack incoming webhook, a Teams Workflows webhook, or a signed outgoing webhook
        (its secret shown once). Accepted hosts: `hooks.slack.com` (slack, webhook),
        `*.logic.azure.com` and `*.powerplatform.com` (teams), or GOALKEEPER_WEBHOOK_ALLOWLIST.
        A retry with the same Idempotency-Key adds nothing and gets the first answer; the same
        key with another body is refused (422)."""
        actor = require_member()
        added = bus().handle(AddChannel(actor=actor, team_id=team_id, **_filters(body),
                                        idempotency=idempotent_request(actor.member_id)))
        return replayed(added.replayed) if added.replayed else added.made

    @channels.response(200, ChannelList)
    def get(self, team_id):
        """The team's channels, with disabled ones and why."""
        return {"items": bus().handle(ListChannels(actor=require_member(), team_id=team_id))}


@channels.route("/<team_id>/channels/<channel_id>")
class ChannelItem(MethodView):
    @channels.response(200, ChannelOut)
    def get(self, team_id, channel_id):
        """One channel."""
        return bus().handle(GetChannel(require_member(), team_id, channel_id))

    @channels.arguments(ChannelPatch)
    @channels.response(200, ChannelOut)
    def patch(self, body, team_id, channel_id):
        """Rename, refilter, point elsewhere (`webhook_url`, validated as when added), disable,
        or re-enable (`state: active`) a channel. A new URL enables again a channel its
        receiver disabled (gone, moved, refusing); one a lead disabled stays off."""
        return bus().handle(ChangeChannel(actor=require_member(), team_id=team_id,
                                          channel_id=channel_id, **_filters(body)))

    @channels.response(204)
    def delete(self, team_id, channel_id):
        """Remove a channel; its delivery log stays, what it had queued failed ("channel
        deleted")."""
        bus().handle(DeleteChannel(require_member(), team_id, channel_id))


@channels.route("/<team_id>/channels/<channel_id>/test")
class ChannelTest(MethodView):
    @channels.response(202, TestMessageOut)
    @channels.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, team_id, channel_id):
        """Send the channel a test message (lead): queued and sent like any other message, so
        its attempts show in the delivery log. 409 when the channel is disabled. A retry with
        the same Idempotency-Key sends none and gets the first answer."""
        actor = require_member()
        queued = bus().handle(SendTestMessage(actor, team_id, channel_id,
                                              idempotent_request(actor.member_id)))
        return replayed(queued.replayed) if queued.replayed else queued.made


@channels.route("/<team_id>/channels/<channel_id>/secret")
class ChannelSecret(MethodView):
    @channels.response(200, ChannelCreated)
    @channels.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, team_id, channel_id):
        """Rotate a `webhook` channel's signing secret (lead): the new one is shown in this
        answer only; the replaced one still signs every delivery beside it for
        NOTIFICATIONS_SECRET_GRACE_HOURS (24), so the receiver can switch without refusing any.
        409 for a slack or teams channel (not signed), and while a rotation's grace runs (a
        second would drop the secret the receiver may still hold; the detail names the grace's
        end as `previous_secret_until` does, ISO 8601 with its offset). A receiver must accept any
        of the header's comma-separated signatures. A channel its receiver disabled for
        refusing the signature (401 or 403 to every retry) is enabled again; one disabled
        otherwise stays off. A retry with the same Idempotency-Key rotates none and gets the
        first answer."""
        actor = require_member()
        rotated = bus().handle(RotateChannelSecret(actor, team_id, channel_id,
                                                   idempotent_request(actor.member_id)))
        return replayed(rotated.replayed) if rotated.replayed else rotated.made


@channels.route("/<team_id>/deliveries")
class DeliveryLogView(MethodView):
    @channels.arguments(DeliveryArgs, location="query")
    @channels.response(200, DeliveryLog)
    def get(self, args, team_id):
        """What was sent, what failed and why, newest first; filter by status or channel."""
        return bus().handle(ListDeliveries(actor=require_member(), team_id=team_id, **args))


@channels.route("/<team_id>/digest")
class TeamDigestView(MethodView):
    @channels.response(200, DigestSettingsOut)
    def get(self, team_id):
        """When the weekly team digest goes to Slack (none in a week the team has no open
        goal and no activity: a week of goals without check-ins still gets one)."""
        return bus().handle(GetTeamDigest(require_member(), team_id))

    @channels.arguments(DigestSettingsIn)
    @channels.response(200, DigestSettingsOut)
    def put(self, body, team_id):
        """Choose the digest's weekday and hour (team time zone), or turn it off."""
        return bus().handle(SetTeamDigest(actor=require_member(), team_id=team_id, **body))
