"""One way to write a number for people, in every service (`shared.numbers`): the web app's
pages and Slack, Teams and mail show a check-in's value alike."""

from __future__ import annotations

import pytest

from shared.numbers import figure


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
