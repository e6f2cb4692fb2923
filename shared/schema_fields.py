"""Fields of the services' request schemas that hold a JSON body to its spec.

marshmallow reads what it can: 0, "yes" or "off" as a boolean, "2.5" as a number, and (for an
integer not marked strict) 9.5 as 9. A client's mistake is then read as a guess, and the spec's
types (boolean, number, integer) do not say what the service takes. A body's booleans are
JsonBoolean, its numbers JsonFloat, its integers `fields.Integer(strict=True)`; a test walks
every operation's body schema for the lenient ones. Query parameters are text by nature and
keep marshmallow's own fields.

A PATCH body is a `PatchBody`: it names at least one field, as a body naming none would change
nothing the client meant to change.
"""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.domain import BLANK_TEXT, is_blank
from shared.numbers import FIGURE_BOUND, figure_range
from shared.slack_user_ids import TYPED

# \Z, not $ (which a line break may follow), and ASCII digits, as times are stored and compared
LOCAL_TIME = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z",
                             error="Use HH:MM, 24-hour local time.")
"""A wall-clock time of day, HH:MM on the 24-hour clock (a cadence, working or quiet hours)."""
# C0 and C1 controls but the line breaks and tab (\x85, NEL, is a line break as \n is)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")


def printable(value: str) -> None:
    """Text a person wrote: line breaks and tabs, but no other control character (a terminal's
    escape, 7-bit or 8-bit, a bell), which would reach Slack, mail and the page as sent."""
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("Must not contain control characters.")


LINE_BREAKS = re.compile(r"[\n\r\x85\u2028\u2029]")


def one_line(value: str) -> None:
    """A title, a name, a unit: shown on one line in lists, Slack, mail and calendars (a blank
    text is refused as blank, by `filled`)."""
    if LINE_BREAKS.search(value) and not is_blank(value):
        raise ValidationError("Must be one line.")


def filled(value: str) -> None:
    """Something to read: an empty text, or one of spaces, line breaks or invisible characters
    only, says nothing."""
    if is_blank(value):
        raise ValidationError(BLANK_TEXT)


class WrittenLength(validate.Length):
    """The length of a text that must be given, checked once it is not blank: a blank text
    (the empty one too) is refused by `filled` alone, not also for its length."""

    def __call__(self, value: str) -> str:
        return value if is_blank(value) else super().__call__(value)


def written(max_length: int) -> list:
    """The checks of a printable text that must be given (a title, a name, a comment): not
    blank (`BLANK_TEXT`), then 1 to `max_length` characters, with the length's own message."""
    return [filled, WrittenLength(1, max_length), printable]


EMAIL_LENGTH = 320


class GivenEmail(fields.Email):
    """An address that must be given (a member's, a lead's, a sign-in link's): a blank one (the
    empty one too) is refused as blank, as every text that must be given is (`filled`), not
    also as no address nor for its length; then a valid address of up to 320 characters."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validate=validate.Length(1, EMAIL_LENGTH), **kwargs)

    def _validate(self, value: str) -> None:
        if is_blank(value):
            filled(value)
        super()._validate(value)


FIGURE = validate.Range(-FIGURE_BOUND, FIGURE_BOUND, error=(
    "Must be between {} and {}, as a goal's metric figures are.".format(*figure_range())))
"""A metric's figure (its start, target and current value) or a check-in's value or delta: a
check-in cannot carry its goal past what goals holds, nor to infinity."""

ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
"""An id as the services issue them (a team's, member's, goal's: a lower-case UUID). Anything
else names nothing, so a filter by it is refused rather than answered with an empty list."""


# A Slack user id as a person may type or paste it (`shared.slack_user_ids.TYPED`). Only
# SlackUserId reads it, as it keeps what it reads as Slack writes it: a field of its own
# validated by it would keep "u0123abcd" or " U0123ABCD".
_SLACK_USER_ID = validate.Regexp(TYPED, error="a Slack user id such as U024BE7LH")


class SlackUserId(fields.String):
    """A Slack user id. Slack's ids are upper case: one typed in lower case (`u0123abcd`,
    copied by hand) or pasted with spaces around it (` U0123ABCD`) is that id, and is kept as
    Slack writes it (`U0123ABCD`): what goals keeps of a member, and what the Slack app links
    to one, are the same rule."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validate=_SLACK_USER_ID, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip(" ")
        return text.upper() if text.isascii() else text  # "ſ".upper() is "S": no id of Slack's


class JsonBoolean(fields.Boolean):
    """`true` or `false` only."""

    default_error_messages = {"invalid": "Not a boolean: give true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class JsonFloat(fields.Float):
    """A JSON number only: not a string of digits (nor a boolean, as any marshmallow number).
    Refused with marshmallow's own "Not a valid number.", which the web app's forms show."""

    def _validated(self, value):
        if isinstance(value, str):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class PatchBody(Schema):
    """The body of a PATCH: the fields given replace theirs. An empty one is refused (422),
    its message naming the fields that can be sent."""

    @validates_schema
    def names_a_field(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ValidationError(f"An empty body changes nothing; send at least one of: "
                                  f"{', '.join(self.patchable())}.", "_schema")

    def patchable(self) -> list[str]:
        """The names a body may give, in the schema's order."""
        return [field.data_key or name for name, field in self.fields.items()
                if not field.dump_only]
