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


def test_a_figure_typed_as_the_pages_write_it_with_thousands_commas_is_taken(stack):
    """The pages write 1,250 and 10,000, but the check-in and New goal forms refused "1,250"
    typed back as "Not a valid number.". A comma that does not group thousands ("1,5") is
    still refused: it could mean 1.5."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead, target=10000)
    session, csrf = signed_in(stack, team.lead)
    url = stack.web_url + f"/goals/{goal['id']}/checkins"
    headers = {"HX-Request": "true"}

    grouped = session.post(url, headers=headers, data={"csrf_token": csrf, "value": "1,250"})
    delta = session.post(url, headers=headers, data={"csrf_token": csrf, "delta": "+1,000.5"})
    ambiguous = session.post(url, headers=headers, data={"csrf_token": csrf, "value": "1,5"})
    created = session.post(stack.web_url + "/goals/new", allow_redirects=False, data={
        "csrf_token": csrf, "title": "Raise 25,000 EUR for the shelter", "due_date": "2099-06-30",
        "metric_unit": "EUR", "metric_start": "1,000", "metric_target": "25,000"})

    assert grouped.status_code == delta.status_code == 200, (grouped.text, delta.text)
    assert ambiguous.status_code == 422 and "Not a valid number." in ambiguous.text
    logged = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins",
                                 team.lead).get_json()["items"]
    assert [(c["value"], c["delta"]) for c in logged] == [(None, 1000.5), (1250, None)]
    assert created.status_code == 302, created.text
    new_goal = stack.goals.call("GET", created.headers["Location"].replace("/goals/", "/v1/goals/"),
                                team.lead).get_json()
    assert (new_goal["metric"]["start"], new_goal["metric"]["target"]) == (1000, 25000)
