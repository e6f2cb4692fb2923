"""Request and response schemas of invite links."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.team_schemas import MemberOut
from shared.schema_fields import GivenEmail


class InviteOut(Schema):
    id = fields.String()
    member_id = fields.String()
    code = fields.String(metadata={"description": "Put it in the invite link; a retry under "
                                                  "the same Idempotency-Key answers it again."})
    expires_at = fields.DateTime()


def render_invite(invite: object) -> dict:
    """An invite as the API answers it, without its code (kept so under its Idempotency-Key)."""
    return InviteOut(exclude=("code",)).dump(invite)


class RedeemIn(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 200))


class SignedIn(MemberOut):
    token = fields.String()


class SignInLinkIn(Schema):
    email = GivenEmail(required=True)
