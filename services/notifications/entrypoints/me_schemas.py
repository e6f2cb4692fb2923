"""Schemas of the caller's own feed and preferences (`/v1/me/...`)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain.preferences import (
    DELIVERY_MODES,
    DIGEST_FREQUENCIES,
    MUTABLE_TYPES,
)
from services.notifications.entrypoints.event_type_schemas import event_type_among
from shared.pagination import PageArgs, page_schema
from shared.schema_fields import LOCAL_TIME, JsonBoolean

mutable_event_type = event_type_among(
    MUTABLE_TYPES, "Members are not told of {value}, so it cannot be muted.", "Members may mute")
"""A type a member may mute: one notifications tells members of (`MUTABLE_TYPES`)."""


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


class MarkReadIn(Schema):
    ids = fields.List(fields.String(validate=validate.Length(1, 36)),
                      validate=validate.Length(1, 500))
    all = JsonBoolean()

    @validates_schema
    def one_of(self, data, **_kwargs):
        if ("ids" in data) == bool(data.get("all")):
            raise ValidationError("Give either `ids` or `all: true`.", "_schema")


class Marked(Schema):
    marked = fields.Integer()


class QuietHours(Schema):
    """From `start` until `end`, local time; past midnight when `end` comes earlier."""

    start = fields.String(required=True, validate=LOCAL_TIME)
    end = fields.String(required=True, validate=LOCAL_TIME)

    @validates_schema
    def a_window(self, data, **_kwargs):
        if data.get("start") is not None and data.get("start") == data.get("end"):
            raise ValidationError("Must differ from the start: quiet hours run from the start "
                                  "until the end; to stop notifications altogether, mute them.",
                                  "end")


class PreferencesIn(Schema):
    muted = fields.List(fields.String(validate=mutable_event_type), load_default=list)
    delivery = fields.String(load_default="immediate", validate=validate.OneOf(DELIVERY_MODES))
    digest = fields.String(load_default="daily", validate=validate.OneOf(DIGEST_FREQUENCIES))
    quiet_hours = fields.Nested(QuietHours, allow_none=True, load_default=None)


class PreferencesOut(Schema):
    muted = fields.List(fields.String(), attribute="muted_list")
    delivery = fields.String()
    digest = fields.String()
    quiet_hours = fields.Dict(allow_none=True)
