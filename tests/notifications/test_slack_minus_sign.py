"""A value typed with a minus sign other than the ASCII hyphen (U+2212, what macOS and many
phones type, and the other dash-minus forms) is a negative number, in the slash command and in
the check-in modal alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notifications.domain.checkin_form import read_form, read_number
from shared.numbers import MINUS_SIGNS
from tests.notifications.support import Team, form, requested, slash

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("minus", ["\u2212", "\u2010", "\u2011", "\u2012", "\u2013", "\ufe63",
                                   "\uff0d"])
def test_a_value_typed_with_a_unicode_minus_is_logged_as_negative(notifications, minus):
    """'−3' (U+2212) was refused: '`−3` is not a number'."""
    team = Team(notifications)
    ack = slash(notifications, form(f"checkin run {minus}3 km sore legs",
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith("⏳ Logging -3 km on *Run 100 km*"), ack.json
    [command] = requested(notifications)
    assert (command["goal_ref"], command["value"], command["note"]) == (team.goal, -3,
                                                                        "sore legs")


@pytest.mark.parametrize(("typed", "value"), [
    ("\u22122.5", -2.5), ("\u22121,500,000", -1_500_000), ("\u22124,5", -4.5)])
def test_the_modal_reads_a_unicode_minus_as_the_slash_command_does(typed, value):
    """The modal's value field, as its submission is read (`read_form`)."""
    values = {"value": {"value": {"type": "plain_text_input", "value": f" {typed} "}}}
    assert read_form(values).value == value


@pytest.mark.parametrize("doc", ["README.md", "docs/slack.md"])
def test_the_docs_name_every_minus_sign_read(doc):
    """The docs listed the dashes read as a minus without the small hyphen-minus (U+FE63)."""
    text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
    named = [f"U+{ord(sign):04X}" for sign in MINUS_SIGNS]
    assert [n for n in named if n not in text] == [], doc


def test_a_dash_between_numbers_is_still_no_number():
    with pytest.raises(ValueError, match="is not a number"):
        read_number("1\u22123")
