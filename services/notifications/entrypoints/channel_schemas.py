"""Schemas of the channels, delivery-log and team-digest API (leads)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain.channel import CHANNEL_TYPES
from services.notifications.domain.digest import PERSONAL_DIGEST_EVENT
from services.notifications.domain.fanout import CHANNEL_EVENT_TYPES
from services.notifications.domain.notification import CHANNEL_STATUSES, LOGGED_STATUSES
from services.notifications.entrypoints.event_type_schemas import event_type_among
from shared.events.catalog.goals import HEALTH
from shared.events.registry import all_types
from shared.pagination import PageArgs, page_schema
from shared.schema_fields import ID_PATTERN, JsonBoolean, PatchBody, one_line, printable


def known_event_type(value: str) -> bool:
    """A type some event has, or the personal digest's."""
    return value in all_types() or value == PERSONAL_DIGEST_EVENT


channel_event_type = event_type_among(
    CHANNEL_EVENT_TYPES, "Team channels are not sent {value}.", "A channel's filter may name",
    known=known_event_type, unknown="Unknown event type {value}.")
"""A type team channels are sent (`CHANNEL_EVENT_TYPES`): a filter of others sends nothing."""


def no_repeats(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("List each value once.")


EventTypes = fields.List(fields.String(validate=channel_event_type), validate=no_repeats,
                         metadata={"uniqueItems": True})
Healths = fields.List(fields.String(validate=validate.OneOf(HEALTH)), validate=no_repeats,
                      metadata={"uniqueItems": True, "maxItems": len(HEALTH)})


class ChannelIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(CHANNEL_TYPES), metadata={
        "description": "`slack` (incoming webhook), `teams` (Workflows webhook: Adaptive "
                       "Cards) or `webhook` (signed JSON)."})
    webhook_url = fields.String(required=True, validate=validate.Length(1, 2000), metadata={
        "description": "https URL on the type's hosts (`hooks.slack.com`; for teams "
                       "`*.logic.azure.com`, `*.powerplatform.com`) or an allow-listed host."})
    name = fields.String(load_default="", validate=[validate.Length(max=100), one_line, printable],
                         metadata={"description": "Left out, empty or blank: the type."})
    event_types = EventTypes
    health = Healths


class ChannelPatch(PatchBody):
    name = fields.String(validate=[validate.Length(max=100), one_line, printable])
    webhook_url = fields.String(validate=validate.Length(1, 2000), metadata={
        "description": "A new URL, accepted as when the channel is added (for its type). It "
                       "enables again a channel its receiver disabled (gone, moved, refusing); "
                       "one a lead disabled stays off."})
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
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "A `webhook` channel whose secret was rotated: until then deliveries "
                       "are signed with the replaced secret too."})
    event_types = fields.List(fields.String(), attribute="event_type_list")
    health = fields.List(fields.String(), attribute="health_list")
    created_at = fields.DateTime()


class ChannelCreated(ChannelOut):
    secret = fields.String(allow_none=True, metadata={
        "description": "Signing secret of a `webhook` channel; shown only in this response (and "
                       "a retry's under the same Idempotency-Key), when the channel is added "
                       "or its secret rotated."})


def render_channel(channel) -> dict:
    """The body an added channel, or one whose secret was rotated, answers with (and a retry
    under its Idempotency-Key gets)."""
    return ChannelCreated().dump(channel)


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
    status = fields.String(validate=validate.OneOf(LOGGED_STATUSES, error=(
        "Must be one of: {choices} (held, digest and digested are members' feed items, which "
        "the delivery log does not show).")))
    channel_id = fields.String(validate=validate.Regexp(ID_PATTERN, error="Must be a channel id."))

    @validates_schema
    def a_channels_status(self, data, **_kwargs):
        """A channel's log filtered by a status only mail has would answer empty."""
        status = data.get("status")
        if data.get("channel_id") and status is not None and status not in CHANNEL_STATUSES:
            raise ValidationError(
                f"A channel's messages are never {status} (held mail is): a channel's "
                f"log may be filtered by {', '.join(CHANNEL_STATUSES)}.", "status")


class DigestSettingsIn(Schema):
    enabled = JsonBoolean(load_default=True)
    weekday = fields.Integer(required=True, strict=True, validate=validate.Range(0, 6),
                             metadata={"description": "0 = Monday … 6 = Sunday"})
    hour = fields.Integer(required=True, strict=True, validate=validate.Range(0, 23),
                          metadata={"description": "Hour in the team's time zone"})


class DigestSettingsOut(Schema):
    enabled = fields.Boolean()
    weekday = fields.Integer()
    hour = fields.Integer()


class TestMessageOut(Schema):
    notification_id = fields.String(metadata={"description": "Its entry in the delivery log."})
    status = fields.String()


def render_test_message(message) -> dict:
    """The body a queued test message answers with (and a retry under its Idempotency-Key
    gets)."""
    return TestMessageOut().dump(message)
