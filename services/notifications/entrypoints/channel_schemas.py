"""Request and response schemas of the notifications API."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain.digest import DIGEST_EVENT, PERSONAL_DIGEST_EVENT
from services.notifications.domain.model import CHANNEL_TYPES
from services.notifications.domain.preferences import DELIVERY_MODES, DIGEST_FREQUENCIES
from shared.events.catalog.goals import HEALTH
from shared.events.registry import all_types
from shared.pagination import PageArgs, page_schema

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, 24-hour local time.")
NOTIFICATION_STATUSES = ("pending", "sent", "failed", "coalesced", "held", "digest", "digested")


def _known_event_type(value: str) -> None:
    if value not in all_types() and value not in (DIGEST_EVENT, PERSONAL_DIGEST_EVENT):
        raise ValidationError(f"Unknown event type {value!r}.")


EventTypes = fields.List(fields.String(validate=_known_event_type))
Healths = fields.List(fields.String(validate=validate.OneOf(HEALTH)))


class ChannelIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(CHANNEL_TYPES))
    webhook_url = fields.String(required=True, validate=validate.Length(1, 2000))
    name = fields.String(load_default="", validate=validate.Length(max=100))
    event_types = EventTypes
    health = Healths


class ChannelPatch(Schema):
    name = fields.String(validate=validate.Length(max=100))
    event_types = EventTypes
    health = Healths
    state = fields.String(validate=validate.OneOf(["active", "disabled"]))


class ChannelOut(Schema):
    id = fields.String()
    team_id = fields.String()
    type = fields.String()
    name = fields.String()
    state = fields.String()
    disabled_reason = fields.String(allow_none=True)
    event_types = fields.List(fields.String(), attribute="event_type_list")
    health = fields.List(fields.String(), attribute="health_list")
    created_at = fields.DateTime()


class ChannelCreated(ChannelOut):
    secret = fields.String(allow_none=True, metadata={
        "description": "Signing secret of a `webhook` channel; shown only in this response."})


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
    summary = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryOut(Schema):
    notification = fields.Nested(NotificationOut)
    attempts = fields.List(fields.Nested(AttemptOut))


DeliveryLog = page_schema(DeliveryOut, "DeliveryLog")


class DeliveryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(NOTIFICATION_STATUSES))
    channel_id = fields.String()


class FeedItem(Schema):
    id = fields.String()
    event_type = fields.String()
    title = fields.String()
    text = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


FeedPage = page_schema(FeedItem, "FeedPage")


class FeedArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class UnreadCount(Schema):
    unread = fields.Integer()


class MarkRead(Schema):
    ids = fields.List(fields.String(validate=validate.Length(1, 36)),
                      validate=validate.Length(1, 500))
    all = fields.Boolean()

    @validates_schema
    def one_of(self, data, **_kwargs):
        if ("ids" in data) == bool(data.get("all")):
            raise ValidationError("Give either `ids` or `all: true`.", "_schema")


class Marked(Schema):
    marked = fields.Integer()


class QuietHours(Schema):
    start = fields.String(required=True, validate=HHMM)
    end = fields.String(required=True, validate=HHMM)


class PreferencesIn(Schema):
    muted = fields.List(fields.String(validate=_known_event_type), load_default=list)
    delivery = fields.String(load_default="immediate", validate=validate.OneOf(DELIVERY_MODES))
    digest = fields.String(load_default="daily", validate=validate.OneOf(DIGEST_FREQUENCIES))
    quiet_hours = fields.Nested(QuietHours, allow_none=True, load_default=None)


class PreferencesOut(Schema):
    muted = fields.List(fields.String(), attribute="muted_list")
    delivery = fields.String()
    digest = fields.String()
    quiet_hours = fields.Dict(allow_none=True)


class DigestSettingsIn(Schema):
    enabled = fields.Boolean(load_default=True)
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6),
                             metadata={"description": "0 = Monday … 6 = Sunday"})
    hour = fields.Integer(required=True, validate=validate.Range(0, 23),
                          metadata={"description": "Hour in the team's time zone"})


class DigestSettingsOut(Schema):
    enabled = fields.Boolean()
    weekday = fields.Integer()
    hour = fields.Integer()
