"""A form's number typed with a minus sign other than the ASCII hyphen (U+2212, what macOS and
many phones type, and the dashes typed for one) is a negative number, in the web app's forms
as in Slack."""

from __future__ import annotations

import pytest

from services.web.service_layer.goal_form_handlers import checkin_from_form
from shared.numbers import MINUS_SIGNS


@pytest.mark.parametrize("minus", list(MINUS_SIGNS))
def test_a_check_in_typed_with_a_unicode_minus_is_sent_as_a_negative_number(minus):
    """The quick check-in sent '−3' as text, and the checkins API refused it as not a number,
    where Slack logs -3."""
    sent = checkin_from_form({"delta": f"{minus}3", "value": f"{minus}1,250.5", "note": "−"})
    assert sent == {"delta": -3.0, "value": -1250.5, "note": "−"}


def test_a_dash_between_numbers_is_passed_on_as_typed():
    assert checkin_from_form({"value": "1\u22123"}) == {"value": "1\u22123"}
