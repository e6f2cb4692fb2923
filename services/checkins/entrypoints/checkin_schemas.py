"""Request and response schemas of check-ins, streaks, kudos and comments."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from services.checkins.domain.cadence import FREQUENCIES
from shared.pagination import PageArgs, page_schema
from shared.schema_fields import FIGURE, JsonFloat, PatchBody, printable, written

TEXT = [validate.Length(max=4000), printable]


def named_once(milestone_ids: list[str]) -> None:
    """Each milestone a check-in completes is named once: a repeat completes nothing more."""
    repeated = sorted({m for m in milestone_ids if milestone_ids.count(m) > 1})
    if repeated:
        raise ValidationError(f"Name each milestone once; named more than once: "
                              f"{', '.join(repeated)}.")


class CheckinIn(Schema):
    value = JsonFloat(load_default=None, allow_none=True, allow_nan=False, validate=FIGURE)
    delta = JsonFloat(load_default=None, allow_none=True, allow_nan=False, validate=FIGURE)
    note = fields.String(load_default="", validate=TEXT)
    confidence = fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(1, 5))
    blockers = fields.String(load_default="", validate=TEXT)
    completed_milestones = fields.List(fields.String(validate=validate.Length(1, 64)),
                                       load_default=list,
                                       validate=[validate.Length(max=100), named_once],
                                       metadata={"uniqueItems": True})


class CheckinPatch(CheckinIn, PatchBody):
    """The fields of a check-in to correct; load with `partial=True`."""


class CheckinOut(Schema):
    id = fields.String()
    goal_id = fields.String()
    team_id = fields.String()
    author_id = fields.String()
    value = fields.Float(allow_none=True)
    delta = fields.Float(allow_none=True)
    note = fields.String()
    confidence = fields.Integer(allow_none=True)
    blockers = fields.String()
    completed_milestones = fields.List(fields.String())
    source = fields.String()
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    kudos = fields.Dict(keys=fields.String(), values=fields.Integer())


def applied_frequency() -> fields.String:
    """A streak's `frequency`: what one of the periods it counts is."""
    return fields.String(metadata={"enum": list(FREQUENCIES), "description": (
        "The frequency of the cadence that applies: the goal's own, else its owner's default, "
        "else the team's, else weekly. A streak counts periods of it.")})


class StreakOut(Schema):
    goal_id = fields.String()
    current = fields.Integer()
    longest = fields.Integer()
    next_due_at = fields.DateTime(allow_none=True)
    last_checkin_at = fields.DateTime(allow_none=True)
    frequency = applied_frequency()


class KudosIn(Schema):
    emoji = fields.String(required=True, validate=validate.Length(1, 64))


class KudosOut(Schema):
    id = fields.String()
    checkin_id = fields.String()
    from_id = fields.String()
    emoji = fields.String()
    created_at = fields.DateTime()


class CommentIn(Schema):
    text = fields.String(required=True, validate=written(2000))


class CommentOut(Schema):
    id = fields.String()
    checkin_id = fields.String()
    author_id = fields.String()
    text = fields.String()
    created_at = fields.DateTime()


def render_comment(comment: object) -> dict:
    """The body an added comment answers with (and a retry under its Idempotency-Key gets)."""
    return CommentOut().dump(comment)


def render_checkin(checkin: object) -> dict:
    """The body a logged check-in answers with (and a retry under its Idempotency-Key gets)."""
    return CheckinOut().dump(checkin)


class CheckinPage(page_schema(CheckinOut, "CheckinItems")):
    changed_at = fields.DateTime(allow_none=True, metadata={"description": (
        "On the first page (no cursor): the latest moment any of the goal's check-ins was "
        "logged or corrected (null while it has none; null on later pages). A reader that "
        "keeps them all can ask for one (limit=1) and compare it, with the newest check-in's "
        "id, to know whether to read them again.")})

CommentPage = page_schema(CommentOut, "CommentPage")
CheckinListArgs = PageArgs
