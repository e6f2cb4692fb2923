"""Events published by the checkins service on `checkins.events`."""

from marshmallow import fields, validate

from shared.events.catalog.fields import EventData, Id, Retired, Timestamp
from shared.events.registry import event


class CheckinData(EventData):
    checkin_id = Id(required=True)
    goal_id = Id(required=True)
    team_id = Id(required=True)
    author_id = Id(required=True)
    value = fields.Float(allow_none=True, load_default=None)
    delta = fields.Float(allow_none=True, load_default=None)
    note = fields.String(load_default="")
    confidence = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 5))
    completed_milestones = fields.List(Id(), load_default=list)
    blockers = fields.String(load_default="")
    at = Timestamp(required=True)
    source = fields.String(load_default="api")  # api | slack
    request_id = Id(allow_none=True, load_default=None)  # the Slack request it answers
    response_url = Retired()  # notifications answers Slack from its own SlackRequest
    partner_ids = fields.List(Id(), load_default=list)  # the owner's partners, to tell them


@event("checkin.logged", publisher="checkins")
class CheckinLogged(CheckinData):
    pass


@event("checkin.edited", publisher="checkins")
class CheckinEdited(CheckinData):
    """The check-in as corrected, and the amount it had before (for the goal's figure)."""

    previous_value = fields.Float(allow_none=True, load_default=None)
    previous_delta = fields.Float(allow_none=True, load_default=None)


@event("checkin.rejected", publisher="checkins")
class CheckinRejected(EventData):
    """A `checkin.requested` command that could not become a check-in, and why (for Slack)."""

    request_id = Id(required=True)
    team_id = Id(required=True)
    member_id = Id(required=True)
    reason = fields.String(required=True)
    response_url = Retired()  # notifications answers Slack from its own SlackRequest
    at = Timestamp(required=True)


@event("checkin.reminder", publisher="checkins")
class CheckinReminder(EventData):
    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    due_at = Timestamp(required=True)
    at = Timestamp(required=True)


@event("checkin.missed", publisher="checkins")
class CheckinMissed(EventData):
    """One step of the escalation ladder: level 1 owner, 2 partner(s), 3 leads."""

    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    due_at = Timestamp(required=True)
    level = fields.Integer(required=True, validate=validate.Range(1, 3))
    recipients = fields.List(Id(), required=True)
    at = Timestamp(required=True)


@event("streak.reached", publisher="checkins")
class StreakReached(EventData):
    """`length` periods in a row with a check-in; `frequency` says what a period is (the
    goal's applied cadence's, as checkins' due list has it). An event published before
    checkins named it has none: its streak counts check-ins."""

    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    length = fields.Integer(required=True)
    frequency = fields.String(allow_none=True, load_default=None)  # daily | weekly | ...
    at = Timestamp(required=True)


@event("kudos.given", publisher="checkins")
class KudosGiven(EventData):
    checkin_id = Id(required=True)
    goal_id = Id(required=True)
    team_id = Id(required=True)
    from_id = Id(required=True)
    to_id = Id(required=True)
    emoji = fields.String(required=True)
    at = Timestamp(required=True)


@event("comment.added", publisher="checkins")
class CommentAdded(EventData):
    comment_id = Id(required=True)
    checkin_id = Id(required=True)
    goal_id = Id(required=True)
    team_id = Id(required=True)
    author_id = Id(required=True)
    to_id = Id(required=True)
    text = fields.String(required=True)
    at = Timestamp(required=True)


@event("partners.paired", publisher="checkins")
class PartnersPaired(EventData):
    partnership_id = Id(required=True)
    team_id = Id(required=True)
    member_ids = fields.List(Id(), required=True, validate=validate.Length(2, 3))
    round_id = Id(allow_none=True, load_default=None)
    at = Timestamp(required=True)


@event("partnership.ended", publisher="checkins")
class PartnershipEnded(EventData):
    partnership_id = Id(required=True)
    team_id = Id(required=True)
    member_ids = fields.List(Id(), required=True)
    ended_by = Id(allow_none=True, load_default=None)
    at = Timestamp(required=True)


@event("pairing_round.completed", publisher="checkins")
class PairingRoundCompleted(EventData):
    round_id = Id(required=True)
    team_id = Id(required=True)
    groups = fields.List(fields.List(Id()), required=True)
    repeats = fields.List(fields.List(Id()), load_default=list)
    note = fields.String(load_default="")
    left_out = fields.List(Id(), load_default=list)  # opted out, snoozed or away
    at = Timestamp(required=True)
