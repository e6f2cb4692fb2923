"""Request and response schemas of the notifications API."""

from marshmallow import Schema, fields, validate

from shared.events.registry import all_types


class ChannelIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["slack"]))
    webhook_url = fields.String(required=True, validate=validate.Length(1, 2000))
    name = fields.String(load_default="", validate=validate.Length(max=100))
    event_types = fields.List(
        fields.String(validate=lambda t: t in all_types()), load_default=list
    )


class ChannelOut(Schema):
    id = fields.String()
    team_id = fields.String()
    type = fields.String()
    name = fields.String()
    state = fields.String()
    disabled_reason = fields.String(allow_none=True)
    event_types = fields.Function(lambda c: [t for t in c.event_types.split(",") if t])
    created_at = fields.DateTime()


class ChannelList(Schema):
    items = fields.List(fields.Nested(ChannelOut))


class AttemptOut(Schema):
    at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    outcome = fields.String()
    error = fields.String(allow_none=True)
    duration_ms = fields.Float()


class NotificationOut(Schema):
    id = fields.String()
    channel_id = fields.String(allow_none=True)
    recipient_id = fields.String(allow_none=True)
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryOut(Schema):
    notification = fields.Nested(NotificationOut)
    attempts = fields.List(fields.Nested(AttemptOut))


class DeliveryLog(Schema):
    items = fields.List(fields.Nested(DeliveryOut))


class DeliveryArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
