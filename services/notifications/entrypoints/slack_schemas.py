"""Schemas of the Slack app's API for Goalkeeper users: install link, user links, status."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.schema_fields import SlackUserId


class InstallLinkOut(Schema):
    url = fields.String(required=True, metadata={"description": "Open in a browser to install"})
    expires_at = fields.DateTime(required=True)


class SlackUserIn(Schema):
    slack_user_id = SlackUserId(required=True)


class LinkTicketIn(Schema):
    ticket = fields.String(required=True, validate=validate.Length(1, 100))


class SlackLinkOut(Schema):
    member_id = fields.String(required=True)
    slack_user_id = fields.String(required=True)


class SlackWorkspaceOut(Schema):
    installed = fields.Boolean(required=True)
    state = fields.String(allow_none=True)
    slack_team_id = fields.String(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
