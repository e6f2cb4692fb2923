"""Request schemas for milestones, pathways and lifecycle actions."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.fields import Day, Id, Text


class NewMilestone(Schema):
    title = Text(200, min_length=1, required=True)
    due_date = Day(load_default=None, allow_none=True)
    pathway_id = Id(load_default=None, allow_none=True,
                    metadata={"description": "Defaults to the active pathway."})


class MilestoneOrder(Schema):
    milestone_ids = fields.List(fields.String(validate=validate.Length(1, 36)), required=True,
                                validate=validate.Length(max=100))
    pathway_id = Id(load_default=None, allow_none=True)


class NewPathway(Schema):
    name = Text(100, min_length=1, required=True)
    description = Text(2000, load_default="")


class PathwaySwitch(Schema):
    reason = Text(2000, min_length=1, required=True)


class CloseIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["partial", "missed",
                                                                    "dropped"]))
    retrospective = Text(2000, load_default="")
    replaced_by = Id(load_default=None, allow_none=True)


class MilestoneCreated(Schema):
    id = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    done = fields.Boolean()


class ParameterOut(Schema):
    name = fields.String()
    type = fields.String()
    description = fields.String()
    default = fields.Raw(allow_none=True)


class TemplateOut(Schema):
    key = fields.String()
    title = fields.String()
    description = fields.String()
    parameters = fields.List(fields.Nested(ParameterOut))


class TemplateList(Schema):
    items = fields.List(fields.Nested(TemplateOut))


class InstantiateIn(Schema):
    parameters = fields.Dict(keys=fields.String(), load_default=dict)
    why = Text(2000, load_default="")
    parent_id = Id(load_default=None, allow_none=True)
    visibility = fields.String(load_default="team", validate=validate.OneOf(["team", "private"]))
