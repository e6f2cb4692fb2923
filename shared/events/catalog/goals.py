"""Events published by the goals service on `goals.events`.

Team, member and goal events carry the whole current state of their entity (not a diff), so a
consumer's read model is an upsert of the latest event.
"""

from marshmallow import fields, validate

from shared.events.catalog.fields import EventData, Id, Timestamp
from shared.events.registry import event
from shared.goal_statuses import CLOSED
from shared.schema_fields import LOCAL_TIME

ROLES = ("member", "lead")
MEMBER_STATES = ("active", "snoozed", "left")
FREQUENCIES = ("daily", "weekly", "biweekly", "monthly")
HEALTH = ("on_track", "at_risk", "off_track", "overdue", "not_started", "done")


class Cadence(EventData):
    """When check-ins are due, in the owner's time zone; `None` fields take the next default."""

    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    weekday = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 6))
    day_of_month = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(1, 31)
    )
    time = fields.String(
        load_default="09:00", validate=LOCAL_TIME
    )


class WorkingHours(EventData):
    start = fields.String(required=True)  # "09:00" local
    end = fields.String(required=True)  # "17:00" local


class TeamData(EventData):
    team_id = Id(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    require_smart = fields.Boolean(load_default=False)
    default_cadence = fields.Nested(Cadence, allow_none=True, load_default=None)


@event("team.created", publisher="goals")
class TeamCreated(TeamData):
    pass


@event("team.updated", publisher="goals")
class TeamUpdated(TeamData):
    pass


class MemberData(EventData):
    team_id = Id(required=True)
    member_id = Id(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    timezone = fields.String(required=True)
    slack_user_id = fields.String(allow_none=True, load_default=None)
    state = fields.String(load_default="active", validate=validate.OneOf(MEMBER_STATES))
    token_version = fields.Integer(load_default=1)
    working_hours = fields.Nested(WorkingHours, allow_none=True, load_default=None)
    default_cadence = fields.Nested(Cadence, allow_none=True, load_default=None)
    snoozed_until = fields.String(allow_none=True, load_default=None)  # ISO date


@event("member.added", publisher="goals")
class MemberAdded(MemberData):
    pass


@event("member.updated", publisher="goals")
class MemberUpdated(MemberData):
    """Profile, role, state (snoozed/left) or token version (revocation) changed."""


@event("member.sign_in_requested", publisher="goals")
class MemberSignInRequested(EventData):
    """A member asked for an email sign-in link; notifications mails `link` to `email`."""

    team_id = Id(required=True)
    member_id = Id(required=True)
    email = fields.String(required=True)
    link = fields.String(required=True)
    expires_at = Timestamp(required=True)


class MetricData(EventData):
    unit = fields.String(required=True)
    start = fields.Float(required=True)
    target = fields.Float(required=True)
    current = fields.Float(required=True)
    direction = fields.String(load_default="increase")


class MilestoneData(EventData):
    milestone_id = Id(required=True)
    title = fields.String(required=True)
    due_date = fields.String(allow_none=True, load_default=None)
    done = fields.Boolean(load_default=False)


class GoalData(EventData):
    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    visibility = fields.String(load_default="team")
    kind = fields.String(load_default="personal")
    start_date = fields.String(required=True)
    due_date = fields.String(allow_none=True, load_default=None)
    metric = fields.Nested(MetricData, allow_none=True, load_default=None)
    parent_id = Id(allow_none=True, load_default=None)
    progress = fields.Float(load_default=0.0)
    health = fields.String(allow_none=True, load_default=None)
    cadence = fields.Nested(Cadence, allow_none=True, load_default=None)
    milestones = fields.List(fields.Nested(MilestoneData), load_default=list)  # active pathway
    description = fields.String(load_default="")
    why = fields.String(load_default="")
    horizon = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(["short_term", "long_term"])
    )
    parent_weight = fields.Float(load_default=1.0)  # weight in the parent's roll-up
    version = fields.Integer(load_default=1)  # the goal's ETag; grows with every change


@event("goal.created", publisher="goals")
class GoalCreated(GoalData):
    pass


@event("goal.updated", publisher="goals")
class GoalUpdated(GoalData):
    pass


@event("goal.activated", publisher="goals")
class GoalActivated(GoalData):
    pass


@event("goal.achieved", publisher="goals")
class GoalAchieved(GoalData):
    pass


@event("goal.closed", publisher="goals")
class GoalClosed(GoalData):
    outcome = fields.String(required=True, validate=validate.OneOf(CLOSED))
    retrospective = fields.String(load_default="")
    replaced_by = Id(allow_none=True, load_default=None)


@event("goal.reopened", publisher="goals")
class GoalReopened(GoalData):
    pass


@event("goal.pathway_switched", publisher="goals")
class GoalPathwaySwitched(GoalData):
    pathway_id = Id(required=True)
    pathway_name = fields.String(required=True)
    reason = fields.String(load_default="")


@event("goal.progressed", publisher="goals")
class GoalProgressed(EventData):
    """The goal's progress moved (`source` says what moved it). `previous` and `current` are
    its metric's value (as `metric.current` in goal.* events): `previous` before a check-in's
    move (None for any other), `current` now (None for a goal without a metric)."""

    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    previous = fields.Float(allow_none=True, load_default=None)
    current = fields.Float(required=True, allow_none=True)
    progress = fields.Float(required=True)
    checkin_id = Id(allow_none=True, load_default=None)
    at = Timestamp(required=True)
    previous_progress = fields.Float(allow_none=True, load_default=None)
    source = fields.String(
        load_default="checkin", validate=validate.OneOf(["checkin", "milestone", "rollup"])
    )


@event("goal.milestone_completed", publisher="goals")
class GoalMilestoneCompleted(EventData):
    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    milestone_id = Id(required=True)
    title = fields.String(required=True)
    progress = fields.Float(required=True)
    at = Timestamp(required=True)


@event("goal.health_changed", publisher="goals")
class GoalHealthChanged(EventData):
    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    title = fields.String(required=True)
    previous = fields.String(allow_none=True, load_default=None)
    health = fields.String(required=True, validate=validate.OneOf(HEALTH))
    progress = fields.Float(required=True)
    expected = fields.Float(required=True)
    days_of_safety = fields.Float(allow_none=True, load_default=None)
    at = Timestamp(required=True)
