"""Numbers on the pages read as people write them: 1,000,000, never 1e+06."""

from __future__ import annotations

import re

from tests.web.over_http import metric_goal, signed_in


def test_a_metric_of_a_million_is_not_shown_in_scientific_notation(stack):
    """The progress line, the chart and the check-in list formatted with :g, which keeps 6
    significant digits: 'Now 0 of 1e+06 EUR', 'value 1.25e+06', a delta of '+1.5e+06'."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead, target=1000000, start=0, current=0)
    session, _ = signed_in(stack, team.lead)
    for body in ({"value": 1250000.5}, {"delta": 1500000}):
        checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                      json=body)
        assert checkin.status_code == 201, checkin.get_json()

    page = session.get(stack.web_url + f"/goals/{goal['id']}").text

    assert "e+06" not in page, re.findall(r"[^>]{0,30}e\+06[^<]{0,30}", page)[:4]
    assert "1,000,000 EUR" in page and "value 1,250,000.5" in page and "+1,500,000" in page
