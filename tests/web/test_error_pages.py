"""What a member sees at an address that is no page to open, over HTTP as a browser does."""

from __future__ import annotations

import re

from tests.web.over_http import signed_in


def test_a_forms_address_opened_as_a_page_leads_back_to_the_page_it_belongs_to(stack):
    """A refused edit leaves the browser at /goals/<id>/edit (and a refused time zone at
    /me/timezone); opening that address again answered Werkzeug's bare "405 Method Not
    Allowed", without the app's menu or a way back."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Write the onboarding guide")
    session, _csrf = signed_in(stack, team.lead)

    edit = session.get(f"{stack.web_url}/goals/{goal['id']}/edit")
    zone = session.get(f"{stack.web_url}/me/timezone")

    assert edit.status_code == zone.status_code == 405
    for page in (edit, zone):
        assert "<h1>This address is not a page</h1>" in page.text
        assert "Method Not Allowed" not in page.text
        assert re.search(r'<nav[^>]*>.*href="/board"', page.text, re.S)  # the app's menu
    assert f'<a href="/goals/{goal["id"]}">Go to the page it belongs to</a>' in edit.text
    assert '<a href="/">Back to the board</a>' in zone.text
