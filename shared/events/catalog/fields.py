"""Field helpers shared by the event schemas."""

from datetime import datetime

from marshmallow import Schema, fields, missing

Id = fields.String


class Timestamp(fields.AwareDateTime):
    """ISO 8601 with an offset on the wire, an aware datetime in handlers; no offset is invalid."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value  # produce side: the domain may hand over datetimes already
        return super()._deserialize(value, attr, data, **kwargs)


class Retired(fields.Field):
    """A key older events carry and no consumer may read: such events still load, without it
    (a schema's unknown keys would otherwise be kept), and no producer sends it (load only, so
    the event catalogue, which lists what is sent, leaves it out)."""

    def __init__(self) -> None:
        super().__init__(load_only=True)

    def _deserialize(self, value, attr, data, **kwargs):
        return missing


class EventData(Schema):
    """Base for event data: unknown keys are kept, so newer producers do not break old consumers."""

    class Meta:
        unknown = "include"
