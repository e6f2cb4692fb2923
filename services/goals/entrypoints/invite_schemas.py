"""Request and response schemas of invite links."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.team_schemas import MemberOut


class InviteOut(Schema):
    member_id = fields.String()
    code = fields.String(metadata={"description": "Shown once; put it in the invite link."})
    expires_at = fields.DateTime()


class RedeemIn(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 200))


class SignedIn(MemberOut):
    token = fields.String()


class SignInLinkIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(1, 320))
