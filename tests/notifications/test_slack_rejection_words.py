"""A check-in from Slack that checkins refuses is answered in Slack's words: what to type or
click instead, and the goal by its title, never its id nor the API's field names.

The reasons are made by checkins' own code, as it sends them on checkin.rejected: a change of
its wording that the words here no longer match fails these tests.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.checkins.domain.checkin import Progress, closed_to_checkins
from services.checkins.domain.replicas import GoalView
from services.checkins.service_layer.access import ensure_may_log, readable_goal
from services.checkins.service_layer.on_events import UNKNOWN_MEMBER, _find_goal
from services.notifications.domain.slack_rejections import in_slack_words, retry_may_succeed
from shared.auth import Principal
from shared.domain import DomainError
from shared.goal_statuses import FINAL, STATUSES, TAKES_CHECKINS
from tests.notifications.support import (
    Team,
    delivering,
    event,
    form,
    goal,
    goal_without_metric,
    handle,
    new_id,
    slash,
)
from tests.support.waiting import eventually

LISTED = "`/goals goals` lists the goals you can check in on."


def refusal(make, *args) -> str:
    """The reason checkins gives when `make(*args)` refuses."""
    with pytest.raises(DomainError) as refused:
        make(*args)
    return refused.value.detail


def checkins_reason(case: str, team: Team) -> str:
    """The reason checkins sends on checkin.rejected in `case`, made by its own code."""
    view = GoalView(team.goal, team.id, team.ana, "Run 100 km", metric_unit="km")
    ana = Principal(team.id, team.ana, "member")
    nothing = SimpleNamespace(goals=SimpleNamespace(get=lambda *_: None, owned_by=lambda _: []))
    return {
        "no metric": lambda: refusal(Progress(value=5).check_against,
                                     GoalView(team.goal, team.id, team.ana, "Run 100 km")),
        "no value": lambda: refusal(Progress().check_against, view),
        "achieved": lambda: closed_to_checkins(GoalView(team.goal, team.id, team.ana,
                                                        "Run 100 km", status="achieved")),
        "unknown goal": lambda: refusal(_find_goal, nothing,
                                        SimpleNamespace(team_id=team.id, member_id=team.ana),
                                        team.goal),
        "not found": lambda: refusal(readable_goal, nothing, ana, team.goal),
        "personal": lambda: refusal(ensure_may_log, view, team.ben),
        "unknown member": lambda: UNKNOWN_MEMBER,
    }[case]()


def answered(notifications, slack, team: Team, reason: str, typed: str = "checkin run 5") -> str:
    """The answer at the response_url to `/goals checkin` refused by checkins for `reason`."""
    c = notifications.container
    ack = slash(notifications, form(typed, response_url=f"{slack.url}/commands/9"))
    assert ack.json["text"].startswith("⏳ Logging"), ack.json
    with c.uow() as uow:
        row = uow.session.execute(c.metadata.tables["slack_requests"].select()).one()
    with delivering(c):
        handle(c, event("checkin.rejected", team.id, request_id=row.request_id,
                        member_id=team.ana, reason=reason, at="2030-01-01T00:00:00+00:00"))
        [answer] = eventually(lambda: slack.delivered())
    return answer.json()["text"]


NOT_LOGGED = "❌ Your check-in on *Run 100 km* was not logged: "


@pytest.mark.parametrize(("case", "words"), [
    ("no metric", "this goal has no figure: check in without a value, saying what you did: "
                  "`/goals checkin {ref} &lt;note&gt;`"),
    ("no value", "this goal has a figure to move: check in with its value now: "
                 "`/goals checkin {ref} &lt;value&gt; [note]`"),
    ("achieved", f"this goal is achieved, so it takes no check-ins. {LISTED}"),
    ("unknown goal", "this goal is not among those you can check in on, or is too new to be "
                     f"known yet: try again in a minute. {LISTED}"),
    ("not found", "this goal is not among those you can check in on, or is too new to be "
                  f"known yet: try again in a minute. {LISTED}"),
    ("personal", "this is someone else's personal goal: only its owner checks in on it. "
                 f"{LISTED}"),
    ("unknown member", "Goalkeeper does not know you as a member of this goal's team (any "
                       "more): ask a team lead to add you, then try again."),
])
def test_a_refused_slash_checkin_says_what_to_do_on_the_goal_by_its_title(
        notifications, slack, case, words):
    """'no metric, so it takes no value or delta: check in the milestones…' (fields a Slack
    user never typed), and a goal checkins did not know after the wait named by its UUID."""
    team = Team(notifications)
    text = answered(notifications, slack, team, checkins_reason(case, team))
    assert text == NOT_LOGGED + words.format(ref=team.goal[:8])
    assert team.goal not in text


def test_a_refusal_names_no_goal_its_member_may_no_longer_see(notifications, slack):
    """Ana checked in on Lena's team goal; it was renamed, then made private (Ana is not Lena's
    partner), and checkins refused the check-in: the answer named it by its new title, which
    Ana may no longer read."""
    team = Team(notifications)
    plan = new_id()
    handle(notifications, goal(team.id, plan, team.lead, "Team plan", kind="team"))
    c = notifications.container
    ack = slash(notifications, form(f"checkin {plan[:8]} 5",
                                    response_url=f"{slack.url}/commands/9"))
    assert ack.json["text"].startswith("⏳ Logging 5 km on *Team plan*"), ack.json
    handle(c, goal(team.id, plan, team.lead, "Reorganisation plan", kind="team",
                   visibility="private", event_type="goal.updated"))
    with c.uow() as uow:
        row = uow.session.execute(c.metadata.tables["slack_requests"].select()).one()
    with delivering(c):
        handle(c, event("checkin.rejected", team.id, request_id=row.request_id,
                        member_id=team.ana, reason=checkins_reason("not found", team),
                        at="2030-01-01T00:00:00+00:00"))
        [answer] = eventually(lambda: slack.delivered())
    text = answer.json()["text"]
    assert text.startswith("❌ Your check-in was not logged: this goal is not among"), text
    assert "plan" not in text, text


def test_a_refusal_slack_has_no_words_for_is_told_as_checkins_wrote_it(notifications, slack):
    team = Team(notifications)
    text = answered(notifications, slack, team, "the note contains a NUL <character>")
    assert text == NOT_LOGGED + "the note contains a NUL &lt;character&gt;"


def test_a_refusal_on_a_goal_without_a_metric_shows_its_own_short_id(notifications, slack):
    """The goal the words name is the request's, checked in on by its note."""
    team = Team(notifications)
    other = new_id()
    handle(notifications.container, goal_without_metric(team.id, other, team.ana, "Read more"))
    text = answered(notifications, slack, team, "a check-in on a metric goal needs a value or "
                                                "a delta", typed="checkin read finished ch. 3")
    assert text == ("❌ Your check-in on *Read more* was not logged: this goal has a figure to "
                    f"move: check in with its value now: `/goals checkin {other[:8]} "
                    "&lt;value&gt; [note]`")


def test_a_refusal_kept_in_slacks_words_by_an_earlier_version_is_sent_as_it_was_kept():
    """A refused modal check-in keeps checkins' reason, put in Slack's words as its DM is sent;
    a DM waiting to be sent from before kept the words themselves, sent so, not as checkins
    wrote them nor put in other words."""
    team = SimpleNamespace(id=new_id(), goal=new_id(), ana=new_id(), ben=new_id())
    for case in ("no metric", "no value", "achieved", "unknown goal", "not found", "personal",
                 "unknown member"):
        words = in_slack_words(checkins_reason(case, team), None)
        assert words != checkins_reason(case, team)
        assert in_slack_words(words, None) == words


@pytest.mark.parametrize("status", [s for s in STATUSES if s != TAKES_CHECKINS])
def test_a_refusal_for_a_goals_status_may_succeed_again_only_while_it_is_not_final(status):
    """A draft becomes active, once checkins reads that it is: the Check in button stays.
    An achieved or closed goal takes no check-in however often it is asked."""
    reason = closed_to_checkins(GoalView("g1", "t1", "o1", "Run", status=status))
    assert retry_may_succeed(reason) is (status not in FINAL)
