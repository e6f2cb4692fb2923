"""Request and response schemas of invite links."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.team_schemas import MemberOut
from shared.domain import is_blank
from shared.schema_fields import filled


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


class GivenEmail(fields.Email):
    """An address that must be given: a blank one (the empty one too) is refused as blank, as
    every text that must be given is (`filled`), not also as no address nor for its length."""

    def _validate(self, value: str) -> None:
        if is_blank(value):
            filled(value)
        super()._validate(value)


class SignInLinkIn(Schema):
    email = GivenEmail(required=True, validate=validate.Length(1, 320))
