"""Request and response schemas for goals, their plans, history and assessment, and the
presenter that turns a read goal into what `GoalOut` dumps."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.team_schemas import CadenceSchema, Day, Id, Number, Text
from services.goals.service_layer.goal_handlers import GoalRead
from shared.goal_statuses import CURRENT, STATUSES
from shared.pagination import MAX_LIMIT, PageArgs, page_schema
from shared.schema_fields import JsonFloat, PatchBody

HEALTH = ("on_track", "at_risk", "off_track", "overdue", "not_started", "done")
KINDS = ("personal", "team")


class MetricIn(Schema):
    unit = Text(50, blank_ok=False, single_line=True, required=True)
    start = Number(required=True)
    target = Number(required=True)
    current = Number()
    direction = fields.String(load_default="increase",
                              validate=validate.OneOf(["increase", "decrease"]))


class MetricChange(MetricIn):
    """A goal's metric as a PATCH sets it: what it leaves out (current, direction) stays as
    the goal's metric has it."""

    direction = fields.String(validate=validate.OneOf(["increase", "decrease"]))


class MilestoneIn(Schema):
    title = Text(200, blank_ok=False, single_line=True, required=True)
    due_date = Day(load_default=None, allow_none=True)


class GoalFields(Schema):
    title = Text(200, blank_ok=False, single_line=True, required=True)
    description = Text(5000, load_default="")
    why = Text(2000, load_default="")
    start_date = Day(load_default=None)
    metric = fields.Nested(MetricIn, load_default=None, allow_none=True)
    kind = fields.String(load_default="personal", validate=validate.OneOf(KINDS))
    visibility = fields.String(load_default="team", validate=validate.OneOf(["team", "private"]))
    parent_id = Id(load_default=None, allow_none=True)
    parent_weight = JsonFloat(load_default=1.0, allow_nan=False,
                              validate=validate.Range(0.01, 1000))
    cadence = fields.Nested(CadenceSchema, load_default=None, allow_none=True)
    milestones = fields.List(fields.Nested(MilestoneIn), load_default=list,
                             validate=validate.Length(max=100))
    owner_id = Id(load_default=None, allow_none=True,
                  metadata={"description": "A lead may create a goal for a member."})


class GoalIn(GoalFields):
    due_date = Day(required=True)
    status = fields.String(load_default="active", validate=validate.OneOf(CURRENT))


class AssessIn(GoalFields):
    due_date = Day(load_default=None, allow_none=True)


class GoalPatch(PatchBody):
    title = Text(200, blank_ok=False, single_line=True)
    description = Text(5000)
    why = Text(2000)
    visibility = fields.String(validate=validate.OneOf(["team", "private"]))
    start_date = Day()
    due_date = Day()
    metric = fields.Nested(MetricChange, allow_none=True)
    cadence = fields.Nested(CadenceSchema, allow_none=True)
    parent_id = Id(allow_none=True)
    parent_weight = JsonFloat(allow_nan=False, validate=validate.Range(0.01, 1000))


class VerdictOut(Schema):
    ok = fields.Boolean()
    hint = fields.String()


class SmartOut(Schema):
    specific = fields.Nested(VerdictOut)
    measurable = fields.Nested(VerdictOut)
    achievable = fields.Nested(VerdictOut)
    relevant = fields.Nested(VerdictOut)
    time_bound = fields.Nested(VerdictOut)


class AssessOut(Schema):
    smart = fields.Nested(SmartOut)
    horizon = fields.String(allow_none=True)


class MetricOut(Schema):
    unit = fields.String()
    start = fields.Float()
    target = fields.Float()
    current = fields.Float()
    direction = fields.String()


class MilestoneOut(Schema):
    id = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    done = fields.Boolean()
    done_at = fields.String(allow_none=True)


class PathwayOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    active = fields.Boolean()
    switch_reason = fields.String()
    milestones = fields.List(fields.Nested(MilestoneOut))


class GoalOut(Schema):
    id = fields.String()
    team_id = fields.String()
    owner_id = fields.String()
    title = fields.String()
    description = fields.String()
    why = fields.String()
    kind = fields.String()
    visibility = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    start_date = fields.Date()
    due_date = fields.Date()
    horizon = fields.String(metadata={"enum": ["short_term", "long_term"]})
    metric = fields.Nested(MetricOut, allow_none=True)
    progress = fields.Float()
    health = fields.String(allow_none=True, metadata={"enum": list(HEALTH)})
    expected = fields.Float(allow_none=True)
    days_of_safety = fields.Float(allow_none=True)
    next_health_check_at = fields.DateTime(allow_none=True)
    cadence = fields.Nested(CadenceSchema, allow_none=True)
    parent_id = fields.String(allow_none=True)
    parent_weight = fields.Float()
    milestones = fields.List(fields.Nested(MilestoneOut))
    pathways = fields.List(fields.Nested(PathwayOut))
    outcome = fields.String(allow_none=True)
    retrospective = fields.String()
    replaced_by = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    smart = fields.Nested(SmartOut)


GoalPage = page_schema(GoalOut, "GoalPage")


class GoalListArgs(PageArgs):
    owner_id = fields.List(Id(), validate=validate.Length(1, MAX_LIMIT), metadata={
        "description": "Any of these owners: repeat the parameter (owner_id=a&owner_id=b)."})
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)),
                         validate=validate.Length(1, len(STATUSES)), metadata={
                             "description": "Any of these statuses: repeat the parameter "
                                            "(status=draft&status=active)."})
    kind = fields.String(validate=validate.OneOf(KINDS), metadata={
        "description": "Only team goals (team) or only the members' own (personal)."})
    health = fields.String(validate=validate.OneOf(HEALTH))
    horizon = fields.String(validate=validate.OneOf(["short_term", "long_term"]))
    parent_id = Id()
    due_before = Day()
    sort = fields.String(load_default="due_date", validate=validate.OneOf(
        ["due_date", "-due_date", "created_at", "-created_at"]))


class HistoryOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    changes = fields.Dict()


HistoryPage = page_schema(HistoryOut, "HistoryPage")


def render_goal(read: GoalRead) -> dict:
    """The body a created goal answers with (and a retry under its Idempotency-Key gets)."""
    return GoalOut().dump(present_goal(read))


def present_goal(read: GoalRead) -> dict:
    goal = read.goal
    metric = goal.metric  # built from its columns on each read
    return {
        **{name: getattr(goal, name) for name in (
            "id", "team_id", "owner_id", "title", "description", "why", "kind", "visibility",
            "status", "start_date", "due_date", "horizon", "progress", "health", "expected",
            "days_of_safety", "next_health_check_at", "cadence", "parent_id", "parent_weight",
            "outcome", "retrospective", "replaced_by", "version", "created_at", "updated_at")},
        "metric": metric.as_dict() if metric else None,
        # The schemas read the milestones', pathways' and verdicts' attributes themselves.
        "milestones": goal.active_pathway.milestones,
        "pathways": goal.pathways,
        "smart": read.smart,
    }
