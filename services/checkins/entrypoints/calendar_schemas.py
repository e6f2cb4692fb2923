"""Schemas of the calendar feed endpoints."""

from marshmallow import Schema, fields


class CalendarFeedOut(Schema):
    member_id = fields.String()
    active = fields.Boolean()
    url = fields.String(allow_none=True, metadata={
        "description": "The private feed URL: only in the answer that issued it. Subscribe to "
                       "it from Google Calendar, Outlook or Apple Calendar; keep it secret."})
    created_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
