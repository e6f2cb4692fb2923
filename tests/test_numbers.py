"""One way to write a number for people, in every service (`shared.numbers`): the web app's
pages and Slack, Teams and mail show a check-in's value alike."""

from __future__ import annotations

import pytest

from shared.numbers import days_to_spare, figure


@pytest.mark.parametrize(("value", "signed", "shown"), [
    (1000000, False, "1,000,000"), (1250000.5, False, "1,250,000.5"),
    (123456.78, False, "123,456.78"), (12.345, False, "12.345"), (12.0, False, "12"),
    (0, False, "0"), (-0.0, False, "0"), (-2.5, False, "-2.5"), (0.005, False, "0.005"),
    (1e-7, False, "0.0000001"), (0.1 + 0.2, False, "0.3"), (1e20, False,
                                                           "100,000,000,000,000,000,000"),
    (1500000, True, "+1,500,000"), (-0.5, True, "-0.5"), (2, True, "+2"), (0, True, "+0"),
])
def test_a_number_is_grouped_in_all_its_typed_digits_and_never_an_exponent(value, signed,
                                                                           shown):
    assert figure(value, signed=signed) == shown


@pytest.mark.parametrize(("days", "said"), [
    (4.0, "4 days to spare"), (3.6, "3 days to spare"), (1.2, "1 day to spare"),
    (0.4, "no day to spare"), (0.0, "no day to spare"), (-0.53, "1 day short"),
    (-1.0, "1 day short"), (-27.2, "28 days short"),
])
def test_days_of_safety_are_said_in_whole_days_rounded_to_the_cautious_side(days, said):
    """A goal on track could show "Days of safety: -1" beside "On track": a sign to decode, and
    -0.53 days read -1 on the web and -0.53 in Slack."""
    assert days_to_spare(days) == said
