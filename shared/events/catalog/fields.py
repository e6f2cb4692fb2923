"""Field helpers shared by the event schemas."""

from datetime import datetime

from marshmallow import Schema, fields

Id = fields.String


class Timestamp(fields.AwareDateTime):
    """ISO 8601 with an offset on the wire, an aware datetime in handlers; no offset is invalid."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value  # produce side: the domain may hand over datetimes already
        return super()._deserialize(value, attr, data, **kwargs)


class EventData(Schema):
    """Base for event data: unknown keys are kept, so newer producers do not break old consumers."""

    class Meta:
        unknown = "include"
