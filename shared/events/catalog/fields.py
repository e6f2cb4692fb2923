"""Field helpers shared by the event schemas."""

from marshmallow import Schema, fields

Id = fields.String
Timestamp = fields.String  # ISO 8601 with offset; kept as text so payloads round-trip exactly


class EventData(Schema):
    """Base for event data: unknown keys are kept, so newer producers do not break old consumers."""

    class Meta:
        unknown = "include"
