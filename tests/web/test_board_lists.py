"""The board and the partners page list every goal they should, however long the team's
history, over HTTP against the real stack."""

from __future__ import annotations

import re

import pytest

from tests.support.waiting import eventually
from tests.web.over_http import api_calls, days, metric_goal, pair, signed_in

DAILY = {"frequency": "daily", "time": "09:00"}
GOAL_CARD = re.compile(r'<article class="goal-card" id="goal-([^"]+)"')


def test_a_new_goal_shows_on_the_board_of_a_team_with_200_older_goals(stack):
    """The board asked for one page of 200 goals (all statuses, sorted by due date) and never
    for the next: in a team with a history of goals, the newest disappeared."""
    team = stack.new_team()
    for n in range(200):  # a team's history: goals due earlier, most of them done by now
        stack.create_goal(team.lead, title=f"Old goal {n}", due_date=days(30))
    stack.create_goal(team.lead, title="Brand new quarterly goal", due_date=days(90))
    session, _ = signed_in(stack, team.lead)

    board = session.get(stack.web_url + "/board?show=mine").text

    assert "Brand new quarterly goal" in board
    assert "Old goal 199" in board and "too many to show" not in board


def test_the_partners_page_asks_once_for_every_partners_goals_and_lists_each_partners_own(stack):
    """The page asked the goals API once per partner (owner_id=one of them, each paged)."""
    team = stack.new_team()
    ben_id, ben = stack.add_member(team, "Ben")
    ava_id, ava = stack.add_member(team, "Ava")
    _, chen = stack.add_member(team, "Chen")
    _, dara = stack.add_member(team, "Dara")
    goals = {ben_id: [stack.create_goal(ben, title="Ben ships the export")["id"],
                      stack.create_goal(ben, title="Ben's private stretch goal",
                                        visibility="private")["id"]],
             ava_id: [stack.create_goal(ava, title="Ava runs the onboarding")["id"]]}
    not_a_partners = stack.create_goal(dara, title="Dara writes runbooks")["id"]
    pair(stack, team, chen, (ben, ben_id), (ava, ava_id))
    session, _ = signed_in(stack, chen)
    private = goals[ben_id][1]  # shown once the goals service has heard of the partnership
    eventually(lambda: private in session.get(stack.web_url + "/partners").text, interval=0.2)

    with api_calls(stack) as calls:
        page = session.get(stack.web_url + "/partners").text

    asked = [params for service, _, path, params in calls
             if (service, path) == ("goals", "/v1/goals")]
    assert len(asked) == 1, asked
    assert sorted(asked[0]["owner_id"]) == sorted([ben_id, ava_id])
    for partner_id, ids in goals.items():
        section = page.split(f'aria-labelledby="p-{partner_id}"')[1].split("</section>")[0]
        assert sorted(GOAL_CARD.findall(section)) == sorted(ids), partner_id
    assert not_a_partners not in page


@pytest.mark.parametrize(("cap", "shown", "cut"), [(3, 3, True), (5, 5, False), (6, 5, False)])
def test_a_board_longer_than_the_goals_cap_shows_the_first_ones_and_says_it_is_cut(
        stack, make_web, cap, shown, cut):
    """The cap (WEB_GOALS_CAP) and its notice, with a small cap: the first goals by due date,
    and the notice only when some were left out."""
    team = stack.new_team()
    by_due = [stack.create_goal(team.lead, title=f"Goal due in {n} days", due_date=days(n))["id"]
              for n in (50, 10, 40, 20, 30)]
    by_due = [by_due[i] for i in (1, 3, 4, 2, 0)]
    web = make_web(goals_cap=cap)
    session, _ = signed_in(stack, team.lead, web.url)

    board = session.get(web.url + "/board?show=mine").text

    assert sorted(GOAL_CARD.findall(board)) == sorted(by_due[:shown])
    assert ("too many to show" in board) is cut


def test_an_empty_board_says_what_its_filter_shows_and_where_to_go_next(stack):
    """Every empty filter said "No goals here yet. Set the first one": under "My partners'"
    for a member with no partner (a new goal of their own would not show there either), and
    under "Closed" for a team whose goals are all open."""
    team = stack.new_team()
    stack.create_goal(team.lead, title="An open goal")
    session, _ = signed_in(stack, team.lead)

    partners = session.get(stack.web_url + "/board?show=partners").text
    closed = session.get(stack.web_url + "/board?show=closed",
                         headers={"HX-Request": "true"}).text  # the poll says the same

    assert "no accountability partner yet" in partners and 'href="/partners"' in partners
    assert "No closed goals" in closed
    for page in (partners, closed):
        assert "Set the first one" not in page and "/goals/new\">Set" not in page


def test_the_members_page_lists_every_member_of_a_large_team_by_name(stack):
    """The page asked for one page of 200 members, in id order: in a team of more, the rest
    were missing (and their names on every card), and the order was random to a reader."""
    team = stack.new_team()
    names = [f"Member {n:03d}" for n in range(205)]
    for name in reversed(names):
        stack.add_member(team, name, email=f"{name.replace(' ', '-').lower()}@x.example")
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + "/team/members").text

    shown = [name for name in re.findall(r"Member \d{3}", page)]
    assert list(dict.fromkeys(shown)) == names


def test_the_history_page_shows_a_long_lived_goals_latest_changes(stack):
    """The page asked for one page of 200 entries, oldest first: a goal changed more often than
    that (every check-in is an entry) lost its latest changes from the page."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Edited often")
    path = f"/v1/goals/{goal['id']}"
    for n in range(201):
        etag = stack.goals.call("GET", path, team.lead).headers["ETag"]
        response = stack.goals.call("PATCH", path, team.lead, headers={"If-Match": etag},
                                    json={"description": f"Edit {n}"})
        assert response.status_code == 200, response.get_json()
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + f"/goals/{goal['id']}/history").text

    assert page.count("<li><time") == 202  # created, then 201 edits


def test_a_goal_page_leads_to_its_older_check_ins(stack):
    """The page read the newest 200 check-ins and nothing told the reader there were more: a goal
    checked in daily lost its first months from the page, with no way to reach them."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead, target=1000)
    for n in range(1, 202):
        response = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                       json={"value": n, "note": f"day {n:03d}"})
        assert response.status_code == 201, response.get_json()
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    assert "day 201" in page and "day 002" in page and "day 001" not in page
    older = re.search(r'<a href="([^"]+)"[^>]*>Older check-ins</a>', page)
    assert older, "no link to the older check-ins"
    link = older[1].replace("&amp;", "&")

    rest = session.get(stack.web_url + link)
    assert rest.status_code == 200 and "<html" in rest.text  # a page of its own without htmx
    assert "day 001" in rest.text and "day 002" not in rest.text
    assert "Older check-ins</a>" not in rest.text
    swapped = session.get(stack.web_url + link, headers={"HX-Request": "true"}).text
    assert "day 001" in swapped and "<html" not in swapped


def test_the_boards_refresh_answers_nothing_while_the_board_is_as_drawn(stack):
    """The board swapped its whole content in again every few seconds, changed or not: the
    live region read it all out again each time to a screen reader, and the focus inside it
    was lost. Its refresh answers 204 (htmx keeps the board) while it is as drawn, and the
    board again, with a new stamp, once it changed."""
    team = stack.new_team()
    stack.create_goal(team.lead, title="Ship the billing export")
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + "/board").text
    drawn = re.search(r'<input type="hidden" id="board-drawn" name="drawn" value="([^"]+)">',
                      page).group(1)
    poll = re.search(r'<div id="board" hx-get="([^"]+)"[^>]*hx-include="#board-drawn"',
                     page).group(1).replace("&amp;", "&")
    htmx = {"HX-Request": "true"}

    unchanged = session.get(stack.web_url + poll, params={"drawn": drawn}, headers=htmx)
    stack.create_goal(team.lead, title="Write the handbook")
    changed = session.get(stack.web_url + poll, params={"drawn": drawn}, headers=htmx)

    assert (unchanged.status_code, unchanged.text) == (204, "")
    assert changed.status_code == 200 and "Write the handbook" in changed.text
    assert "<html" not in changed.text and 'id="board-drawn"' in changed.text
    assert f'value="{drawn}"' not in changed.text


def test_the_boards_refresh_draws_the_board_again_after_a_teammates_check_in(stack):
    """The refresh compares what the board is drawn from, not its HTML: a teammate's check-in
    that leaves their goal's progress as it was still moves the goal's next check-in, which
    the board shows, so the refresh draws the board again with it."""
    team = stack.new_team()
    _, ben = stack.add_member(team, "Ben")
    goal = stack.create_goal(ben, title="Ben reads the runbooks", cadence=DAILY,
                             metric={"unit": "pages", "start": 0, "target": 30, "current": 0})
    eventually(lambda: stack.checkins_know(goal["id"], ben))
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + "/board").text
    drawn = re.search(r'id="board-drawn" name="drawn" value="([^"]+)"', page).group(1)
    htmx = {"HX-Request": "true"}
    unchanged = session.get(stack.web_url + "/board", params={"drawn": drawn}, headers=htmx)

    logged = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", ben,
                                 json={"value": 0, "note": "read nothing new yet"})
    assert logged.status_code == 201, logged.get_json()
    changed = session.get(stack.web_url + "/board", params={"drawn": drawn}, headers=htmx)

    assert (unchanged.status_code, unchanged.text) == (204, "")
    assert changed.status_code == 200, changed.status_code
    assert next_checkin(changed.text, goal) != next_checkin(page, goal)
    assert f'value="{drawn}"' not in changed.text


def test_my_partners_board_is_drawn_again_once_a_partner_accepts(stack):
    """The goals the My partners' board asks for are the team's, whoever its partners: Ben's
    answer changes only the partnerships, which the refresh compares too. Once he accepts,
    the board is drawn again with his goal."""
    team = stack.new_team()
    ben_id, ben = stack.add_member(team, "Ben")
    stack.create_goal(ben, title="Ben ships the export")
    session, _ = signed_in(stack, team.lead)
    invited = eventually(lambda: invite_partner(stack, team, ben_id), interval=0.2)
    board = stack.web_url + "/board?show=partners"
    page = session.get(board).text
    drawn = re.search(r'id="board-drawn" name="drawn" value="([^"]+)"', page).group(1)
    htmx = {"HX-Request": "true"}
    unchanged = session.get(board, params={"drawn": drawn}, headers=htmx)

    accepted = stack.checkins.call(
        "POST", f"/v1/teams/{team.id}/partnerships/{invited['id']}/accept", ben)
    assert accepted.status_code == 200, accepted.get_json()
    changed = session.get(board, params={"drawn": drawn}, headers=htmx)

    assert "Ben ships the export" not in page
    assert (unchanged.status_code, unchanged.text) == (204, "")
    assert changed.status_code == 200 and "Ben ships the export" in changed.text


def invite_partner(stack, team, member_id: str) -> dict:
    """The team's lead asks `member_id` to be their partner (once checkins knows them)."""
    invited = stack.checkins.call("POST", f"/v1/teams/{team.id}/partnerships", team.lead,
                                  json={"member_id": member_id})
    assert invited.status_code == 201, invited.get_json()
    return invited.get_json()


def next_checkin(board: str, goal: dict) -> str:
    """What the board's card of `goal` says of its next check-in."""
    card = board.split(f'id="goal-{goal["id"]}"')[1].split("</article>")[0]
    return re.search(r"<dt>Next check-in</dt><dd>(.*?)</dd>", card).group(1)


def test_the_check_ins_page_of_a_goal_of_another_team_is_not_found(stack):
    """A link to the check-ins of another team's goal (or of no goal at all) answered 200 "No
    check-ins yet." with a "Back to the goal" link to a 404: the page read the check-ins alone,
    and checkins answers an unknown goal with none. It is not found, as the goal's page is."""
    team, other = stack.new_team(), stack.new_team()
    theirs = metric_goal(stack, other.lead)
    logged = stack.checkins.call("POST", f"/v1/goals/{theirs['id']}/checkins", other.lead,
                                 json={"value": 5, "note": "their note"})
    assert logged.status_code == 201, logged.get_json()
    ours = metric_goal(stack, team.lead)
    session, _ = signed_in(stack, team.lead)

    for goal_id in (theirs["id"], "00000000-0000-4000-8000-000000000000"):
        page = session.get(stack.web_url + f"/goals/{goal_id}/checkins")
        assert page.status_code == 404, (goal_id, page.status_code)
        assert "There is nothing here, or it is not yours to see." in page.text
        assert "No check-ins yet." not in page.text and "their note" not in page.text
    own = session.get(stack.web_url + f"/goals/{ours['id']}/checkins")
    assert own.status_code == 200 and "No check-ins yet." in own.text


def test_the_closed_board_says_how_each_goal_ended(stack):
    """Every card under "Closed" read "■ Closed" and nothing more: a team looking back could
    not tell a goal missed from one dropped or partly reached without opening each."""
    team = stack.new_team()
    endings = {"partial": "Partly reached", "missed": "Missed", "dropped": "Dropped"}
    goals = {}
    for outcome in endings:
        goals[outcome] = stack.create_goal(team.lead, title=f"A goal {outcome}")
        closed = stack.goals.call("POST", f"/v1/goals/{goals[outcome]['id']}/close", team.lead,
                                  json={"outcome": outcome})
        assert closed.status_code == 200, closed.get_json()
    session, _ = signed_in(stack, team.lead)

    board = session.get(stack.web_url + "/board?show=closed").text

    for outcome, words in endings.items():
        card = re.search(rf'<article class="goal-card" id="goal-{goals[outcome]["id"]}".*?'
                         r"</article>", board, re.S).group(0)
        assert re.search(rf"<dt>Outcome</dt>\s*<dd>{words}</dd>", card), card
