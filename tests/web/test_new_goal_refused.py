"""A refused new goal or template answers with the form again (422), never a 500 or a bare
error page: over HTTP against the real stack, as a browser posts it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from tests.web.over_http import hidden_fields, signed_in, template_form


def test_a_template_number_typed_as_a_superscript_is_refused_by_the_form(stack):
    """"²" is a digit to Python's isdigit but no int: a 500 before."""
    session, csrf, key = template_form(stack, stack.new_team().lead)
    answer = session.post(stack.web_url + f"/goals/templates/{key}",
                          data={"csrf_token": csrf, "n": "²"})
    assert answer.status_code == 422, answer.status_code
    assert 'id="new-goal"' in answer.text


def test_a_template_form_key_no_header_can_carry_is_refused_by_name(stack):
    """The template form's key went to goals unread: a crafted one outside ASCII was a 500, a
    spaced one or one with a line break a 503 'your draft was not created' though nothing was
    sent. It is refused as the New goal form refuses one (http.form_key)."""
    team = stack.new_team()
    session, csrf, key = template_form(stack, team.lead)

    answers = [session.post(stack.web_url + f"/goals/templates/{key}",
                            data={"csrf_token": csrf, "idempotency_key": typed})
               for typed in ("\u202e", " ", "k\r\nX-Evil: 1", "k" * 256)]

    assert [a.status_code for a in answers] == [400] * 4, [a.text[:300] for a in answers]
    assert all("The form&#39;s key is not one this app gives its forms" in a.text
               for a in answers), answers[0].text
    assert stack.goals.call("GET", "/v1/goals", team.lead).get_json()["items"] == []


def test_a_refused_new_goal_shows_the_form_with_what_was_typed(stack):
    """A draft too incomplete even to assess (no title) kept the form: it was a bare error page
    that lost every typed value."""
    session, csrf = signed_in(stack, stack.new_team().lead)
    answer = session.post(stack.web_url + "/goals/new", data={
        "csrf_token": csrf, "title": "", "why": "Customers keep asking for it",
        "metric_unit": "customers", "metric_start": "0", "metric_target": "3",
        "due_date": "2099-06-30", "visibility": "team"})
    assert answer.status_code == 422
    assert 'id="new-goal"' in answer.text
    assert "Customers keep asking for it" in answer.text


def test_a_new_goal_titled_with_spaces_is_refused_beside_its_title(stack):
    """A title of spaces (a slip of the thumb) was saved: the board then listed a goal with
    no name to click. The form comes back saying why beside the title, nothing saved."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    answer = session.post(stack.web_url + "/goals/new", data={
        "csrf_token": csrf, "title": "   ", "why": "Customers keep asking for it",
        "metric_unit": "customers", "metric_start": "0", "metric_target": "3",
        "due_date": "2099-06-30", "visibility": "team"}, allow_redirects=False)
    assert answer.status_code == 422, answer.status_code
    title_field = re.search(r'<label for="f-title".*?</label>', answer.text, re.S)
    assert title_field and "Must not be blank." in title_field.group(0), answer.text
    assert "Customers keep asking for it" in answer.text
    listed = stack.goals.call("GET", "/v1/goals", team.lead).get_json()
    assert listed["items"] == []


def test_a_refused_template_keeps_what_was_typed_in_its_form(stack):
    """The API refused the number (1 to 1000): the page said why, but the template's form came
    back with its defaults, closed, and the number typed was gone."""
    session, csrf, key = template_form(stack, stack.new_team().lead)
    answer = session.post(stack.web_url + f"/goals/templates/{key}",
                          data={"csrf_token": csrf, "n": "5000"})
    assert answer.status_code == 422, answer.status_code
    form = re.search(r'<details open>\s*<summary>.*?action="/goals/templates/' + re.escape(key)
                     + r'".*?</form>', answer.text, re.S)
    assert form is not None, "the refused template's form is shown open"
    assert re.search(r'name="n" type="number"\s+value="5000"', form.group(0)), form.group(0)
    assert answer.text.count("<details open>") == 1


def test_a_refused_template_names_its_values_as_its_form_does(stack):
    """The refusal read "Invalid template parameters: parameters.n, parameters.until:
    parameters.n: Must be …": the goals API's keys. It names each value by its label."""
    session, csrf, key = template_form(stack, stack.new_team().lead)
    answer = session.post(stack.web_url + f"/goals/templates/{key}",
                          data={"csrf_token": csrf, "n": "5000"})
    text = html.unescape(answer.text)
    assert answer.status_code == 422, answer.status_code
    assert ("Some values were not accepted. How many: Must be greater than or equal to 1 and "
            "less than or equal to 1000." in text), text
    assert "parameters." not in text and "n: " not in text


def test_a_template_form_sent_twice_makes_one_draft(stack):
    team = stack.new_team()
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + "/goals/new").text
    form = re.search(r'<form method="post" action="/goals/templates/apply-to-roles">.*?</form>',
                     page, re.S).group(0)
    fields = hidden_fields(form)
    assert fields.get("idempotency_key")
    fields.update(n="3", until=(date.today() + timedelta(days=90)).isoformat())

    answers = [session.post(stack.web_url + "/goals/templates/apply-to-roles", data=fields,
                            allow_redirects=False) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    drafts = stack.goals.call("GET", "/v1/goals?status=draft", team.lead).get_json()["items"]
    assert len(drafts) == 1, [d["title"] for d in drafts]


def test_a_goal_a_smart_team_refuses_says_what_is_missing_in_words(stack):
    """The refusal read "This team requires SMART goals: specific, measurable" and, beside the
    title, "specific: Too short: …": the goals API's keys, as if for a program."""
    session, csrf = signed_in(stack, stack.new_team(require_smart=True).lead)

    answer = session.post(stack.web_url + "/goals/new", data={
        "csrf_token": csrf, "title": "Be better", "why": "The team asked for it",
        "due_date": (date.today() + timedelta(days=30)).isoformat(), "visibility": "team"})

    assert answer.status_code == 422, answer.status_code
    banner = re.search(r'<p class="error" role="alert">(.*?)</p>', answer.text, re.S).group(1)
    assert banner.startswith("Your team requires SMART goals, and this goal is not yet "
                             "specific and measurable: see the hints below."), banner
    assert "Not yet measurable. Add a metric" in banner
    title = re.search(r'<small id="e-title" class="error" role="alert">(.*?)</small>',
                      answer.text).group(1)
    assert title.startswith("Not yet specific. Too short"), title
    assert "specific: Too short" not in answer.text
    assert "Specific: not yet" in answer.text and "Time-bound: yes" in answer.text  # its check


def test_the_smart_hints_name_the_forms_fields_not_the_apis(stack):
    """"Say why this matters (why), or align it to a team goal (parent_id)": the SMART check
    and a SMART team's refusal named the goals API's fields, which the form calls "Why it
    matters" and "Part of a team goal"."""
    session, csrf = signed_in(stack, stack.new_team(require_smart=True).lead)
    draft = {"csrf_token": csrf, "title": "Sign five new customers", "metric_unit": "customers",
             "metric_start": "0", "metric_target": "5",
             "due_date": (date.today() + timedelta(days=30)).isoformat(), "visibility": "team"}

    checked = session.post(stack.web_url + "/goals/assess", data=draft,
                           headers={"HX-Request": "true"})
    refused = session.post(stack.web_url + "/goals/new", data=draft)

    said = ("Say why this matters (“Why it matters”), or align it to a team goal "
            "(“Part of a team goal”).")
    assert checked.status_code == 200 and said in html.unescape(checked.text), checked.text
    why = re.search(r'<small id="e-why" class="error" role="alert">(.*?)</small>',
                    refused.text).group(1)
    assert html.unescape(why) == f"Not yet relevant. {said}"
    assert "(parent_id)" not in checked.text + refused.text


def test_the_smart_check_writes_the_due_day_as_every_page_does(stack):
    """Time-bound said "Due 2027-01-05, 30 days after the start.", where every other page
    writes a day "Tue 05 Jan 2027"."""
    session, csrf = signed_in(stack, stack.new_team().lead)
    due = date.today() + timedelta(days=30)

    checked = session.post(stack.web_url + "/goals/assess", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf, "title": "Sign five new customers",
                                 "due_date": due.isoformat()})

    assert checked.status_code == 200, checked.status_code
    assert f"Due {due.strftime('%a %d %b %Y')}, 30 days after the start." in checked.text
    assert due.isoformat() not in checked.text


def test_a_refused_template_says_why_in_its_own_form_beside_the_value(stack):
    """The refusal was said above the New goal form, whose fields were all fine, far from the
    template's form (open further down, its values kept) that it was about, and the refused
    field was not marked: a member who had scrolled to the template read no reason there."""
    session, csrf, key = template_form(stack, stack.new_team().lead)

    answer = session.post(stack.web_url + f"/goals/templates/{key}",
                          data={"csrf_token": csrf, "n": "5000"})

    assert answer.status_code == 422, answer.status_code
    new_goal = re.search(r'<form id="new-goal".*?</form>', answer.text, re.S).group(0)
    template = re.search(r'<details open>.*?</details>', answer.text, re.S).group(0)
    assert 'role="alert"' not in new_goal
    why = re.search(r'<p class="error" role="alert" id="([^"]+)">Some values were not '
                    r"accepted. How many: Must be", template)
    assert why, template
    assert re.search(rf'name="n" type="number"\s+value="5000" required aria-invalid="true" '
                     rf'aria-describedby="{why.group(1)}"', template), template


def test_a_start_that_is_no_number_is_refused_beside_start_without_the_apis_field_names(stack):
    """The form's Start is also the goal's current figure (a new goal starts where it starts),
    so a Start of "abc" was refused twice: beside Start, and above the form as "Invalid fields:
    metric.current, metric.start Not a valid number.", naming a field the form does not have."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    answer = session.post(stack.web_url + "/goals/new", data={
        "csrf_token": csrf, "title": "Grow the revenue", "metric_unit": "EUR",
        "metric_start": "abc", "metric_target": "100", "due_date": "2099-06-30",
        "visibility": "team"}, allow_redirects=False)
    assert answer.status_code == 422, answer.status_code
    start_field = re.search(r'<label for="f-metric_start".*?</label>', answer.text, re.S)
    assert start_field and "Not a valid number." in start_field.group(0), answer.text
    assert answer.text.count("Not a valid number.") == 1, answer.text
    assert "metric." not in answer.text and "Invalid fields" not in answer.text
    assert stack.goals.call("GET", "/v1/goals", team.lead).get_json()["items"] == []
