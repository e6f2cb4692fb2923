"""Schemas of the email endpoints."""

from marshmallow import Schema, fields


class Unsubscribed(Schema):
    unsubscribed = fields.Boolean(metadata={
        "description": "Digests and escalations no longer go to this member's address."})
