"""Schemas of what Slack posts to the app: interaction payloads and Events API bodies.

Only the fields the app reads are loaded; the others are left out, since Slack adds fields
freely. A field the app reads in the wrong shape is a 400 naming it (`load`), never a 500.
A field the app reads holding text no database can store (a NUL) is such a 400 too
(`SlackIn`). An event of a kind the app does not handle is acknowledged whatever its shape:
Slack disables an app's event subscription when its answers keep failing.
"""

from __future__ import annotations

import json

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from services.notifications.domain.slack_workspace import SLACK_EVENT_ID_MAX
from shared.domain import BadRequest
from shared.problems import flatten_errors
from shared.storable import unstorable


class SlackIn(Schema):
    """What the app reads of a Slack payload. Each text it loaded must be storable
    (`shared.storable`): Slack's ids and the app's own references never hold a NUL, and one
    would fail in PostgreSQL, so it is refused as a field in the wrong shape."""

    class Meta:
        unknown = EXCLUDE

    @post_load
    def storable(self, data: dict, **_kwargs) -> dict:
        problems = {name: [reason] for name, value in data.items()
                    if isinstance(value, str) and (reason := unstorable(value))}
        if problems:
            raise ValidationError(problems)
        return data


class SlackId(fields.Field):
    """A workspace or an enterprise as Slack names it: its id, an object with its id, or null."""

    def _deserialize(self, value, attr, data, **kwargs) -> str | None:
        if isinstance(value, dict):
            value = value.get("id")
        if value is None or isinstance(value, str):
            return value
        raise ValidationError("Must be a Slack id, or an object with an `id`.")


class GoalRefIn(SlackIn):
    """The app's own reference to a goal, in a Check in button's value and a modal's metadata.
    Those posted before carry a `dm_id` too, never read (a check-in closes every open DM of
    its goal): like any other key, it is left out."""

    goal_id = fields.String(load_default="")


class GoalRef(fields.String):
    """A `GoalRefIn` as JSON text (empty text: no goal)."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            ref = json.loads(text or "{}")
        except ValueError:
            ref = None
        if not isinstance(ref, dict):
            raise ValidationError("Must be the app's goal reference, a JSON object.")
        return GoalRefIn().load(ref)


class UserIn(SlackIn):
    id = fields.String(load_default="")
    team_id = fields.String(load_default="")


class ActionIn(SlackIn):
    action_id = fields.String(load_default="")
    value = fields.String(load_default="")


class OptionIn(SlackIn):
    value = fields.String(load_default="")


class InputIn(Schema):
    """One input's state: a text input's `value`, a select's `selected_option`. What the
    member typed is not refused here: the check-in form says what is wrong with it under its
    field (`domain.checkin_form`)."""

    class Meta:
        unknown = EXCLUDE

    value = fields.String(allow_none=True)
    selected_option = fields.Nested(OptionIn, allow_none=True)


class InputStates(fields.Field):
    """A view's `state.values`: each block's inputs by action id, each an `InputIn`."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise ValidationError("Must map each block id to its inputs by action id.")
        loaded: dict = {}
        errors: dict = {}
        for block, inputs in value.items():
            for action, state in inputs.items():
                try:
                    loaded.setdefault(block, {})[action] = InputIn().load(state)
                except ValidationError as exc:
                    errors.setdefault(block, {})[action] = exc.messages
        if errors:
            raise ValidationError(errors)
        return loaded


class StateIn(SlackIn):
    values = InputStates(load_default=dict)


class ViewIn(SlackIn):
    id = fields.String(load_default="")
    callback_id = fields.String(load_default="")
    private_metadata = fields.String(load_default="")
    state = fields.Nested(StateIn, load_default=lambda: {"values": {}})


class InteractionIn(SlackIn):
    """A block action (the Check in button) or a view submission (the check-in modal)."""

    type = fields.String(load_default="")
    user = fields.Nested(UserIn, load_default=lambda: {"id": "", "team_id": ""})
    team = SlackId(load_default=None)
    enterprise = SlackId(load_default=None)
    trigger_id = fields.String(load_default="")
    actions = fields.List(fields.Nested(ActionIn), load_default=list)
    view = fields.Nested(ViewIn, allow_none=True, load_default=None)


class CheckinButtonIn(SlackIn):
    """The Check in button's action, its value the goal reference."""

    value = GoalRef(load_default=dict)


class CheckinModalIn(SlackIn):
    """The check-in modal's view, its metadata the goal reference."""

    private_metadata = GoalRef(load_default=dict)


class EventsIn(SlackIn):
    """An Events API body; its `event` is read by kind (`HomeOpenedIn`, `TokensRevokedIn`)."""

    type = fields.String(load_default="")
    challenge = fields.String(load_default="")
    event_id = fields.String(load_default="", validate=validate.Length(max=SLACK_EVENT_ID_MAX))
    team_id = fields.String(load_default="")
    enterprise_id = SlackId(load_default=None)
    event = fields.Dict(load_default=dict)


class HomeOpenedIn(SlackIn):
    user = fields.String(load_default="")
    tab = fields.String(load_default="home")


class TokensIn(SlackIn):
    bot = fields.List(fields.String(), load_default=list)


class TokensRevokedIn(SlackIn):
    tokens = fields.Nested(TokensIn, load_default=lambda: {"bot": []})


def load(schema: Schema, data: dict, at: str = "") -> dict:
    """`data` loaded by `schema`, or a BadRequest naming each field in the wrong shape (by its
    path, under `at`)."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages, at)
        raise BadRequest("Slack's payload has fields in the wrong shape: "
                         + ", ".join(sorted(errors)), errors=errors) from exc
