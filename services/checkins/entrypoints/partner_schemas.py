"""Request and response schemas of partnerships, opt-outs and pairing rounds."""

from marshmallow import Schema, fields, validate

from services.checkins.domain.partners import STATUSES
from shared.pagination import PageArgs, page_schema
from shared.schema_fields import JsonBoolean


class InviteIn(Schema):
    member_id = fields.String(required=True, validate=validate.Length(1, 36))


class PartnershipListArgs(PageArgs):
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)),
                         validate=validate.Length(1, len(STATUSES)), metadata={
                             "description": "Any of these statuses: repeat the parameter "
                                            "(status=invited&status=active)."})


class PartnershipOut(Schema):
    id = fields.String()
    team_id = fields.String()
    member_ids = fields.List(fields.String())
    status = fields.String()
    invited_by = fields.String(allow_none=True)
    round_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    ended_by = fields.String(allow_none=True)


class OptOutIn(Schema):
    opted_out = JsonBoolean(required=True)


class OptOutOut(Schema):
    member_id = fields.String()
    opted_out = fields.Boolean()


class RoundIn(Schema):
    seed = fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(0, 2**31 - 1))
    cooldown = fields.Integer(load_default=3, strict=True, validate=validate.Range(0, 52))


class RoundOut(Schema):
    id = fields.String()
    team_id = fields.String()
    number = fields.Integer()
    seed = fields.Integer()
    cooldown = fields.Integer()
    groups = fields.List(fields.List(fields.String()))
    repeats = fields.List(fields.List(fields.String()))
    left_out = fields.List(fields.String())
    note = fields.String()
    run_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


def render_partnership(partnership: object) -> dict:
    """The body an invitation answers with (and a resend under its Idempotency-Key gets)."""
    return PartnershipOut().dump(partnership)


def render_round(pairing_round: object) -> dict:
    """The body a round run answers with (and a resend under its Idempotency-Key gets)."""
    return RoundOut().dump(pairing_round)


class ScheduleIn(Schema):
    every_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 90))
    cooldown = fields.Integer(load_default=3, strict=True, validate=validate.Range(0, 52))
    first_run_at = fields.AwareDateTime(load_default=None, allow_none=True, error_messages={
        "invalid": "Not a date and time: give one in ISO 8601 with its UTC offset, as "
                   "2026-03-09T09:00:00+01:00.",
        "invalid_awareness": "Give the UTC offset too, as 2026-03-09T09:00:00+01:00: without "
                             "it the moment is not known."})


class ScheduleOut(Schema):
    team_id = fields.String()
    every_days = fields.Integer()
    cooldown = fields.Integer()
    next_run_at = fields.DateTime()


PartnershipPage = page_schema(PartnershipOut, "PartnershipPage")
RoundPage = page_schema(RoundOut, "RoundPage")
