"""Events published by the notifications service, and the commands it sends to checkins."""

from marshmallow import fields, validate

from shared.events.catalog.fields import EventData, Id, Retired, Timestamp
from shared.events.registry import event


@event("checkin.requested", publisher="notifications.commands")
class CheckinRequested(EventData):
    """A check-in asked for from Slack; checkins answers with checkin.logged or checkin.rejected."""

    request_id = Id(required=True)
    team_id = Id(required=True)
    member_id = Id(required=True)
    goal_ref = fields.String(required=True)
    value = fields.Float(required=True, allow_none=True)  # None on a goal without a metric
    note = fields.String(load_default="")
    confidence = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 5))
    response_url = Retired()  # kept by notifications in its SlackRequest, not sent
    at = Timestamp(required=True)


@event("notification.delivered", publisher="notifications")
class NotificationDelivered(EventData):
    notification_id = Id(required=True)
    team_id = Id(required=True)
    channel_id = Id(allow_none=True, load_default=None)
    event_id = Id(required=True)
    event_type = fields.String(required=True)
    attempts = fields.Integer(required=True)


@event("channel.disabled", publisher="notifications")
class ChannelDisabled(EventData):
    channel_id = Id(required=True)
    team_id = Id(required=True)
    reason = fields.String(required=True)
    at = Timestamp(required=True)
