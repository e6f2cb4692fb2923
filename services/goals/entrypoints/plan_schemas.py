"""Request and response schemas for the milestones and pathways of a goal."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.goal_schemas import PathwayOut
from services.goals.entrypoints.team_schemas import Day, Id, Text


class NewMilestone(Schema):
    title = Text(200, blank_ok=False, single_line=True, required=True)
    due_date = Day(load_default=None, allow_none=True)
    pathway_id = Id(load_default=None, allow_none=True,
                    metadata={"description": "Defaults to the active pathway."})


class MilestoneOrder(Schema):
    milestone_ids = fields.List(fields.String(validate=validate.Length(1, 36)), required=True,
                                validate=validate.Length(max=100))
    pathway_id = Id(load_default=None, allow_none=True)


class NewPathway(Schema):
    name = Text(100, blank_ok=False, single_line=True, required=True)
    description = Text(2000, load_default="")


class PathwaySwitch(Schema):
    reason = Text(2000, blank_ok=False, required=True)


class MilestoneCreated(Schema):
    id = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    done = fields.Boolean()


def render_milestone(milestone: object) -> dict:
    """The body an added milestone answers with (and a retry under its Idempotency-Key gets)."""
    return MilestoneCreated().dump(milestone)


def render_pathway(pathway: object) -> dict:
    """The body an added pathway answers with (and a retry under its Idempotency-Key gets)."""
    return PathwayOut().dump(pathway)
