"""Two teams with real data in all three services, and for every /v1 operation a request that
the owning team's member or lead must see succeed (the positive control of its matrix row).

`CONTROLS[(method, path template)]` builds that request for one team. A builder may create
fresh resources first (a goal to close, a channel to delete), so a row never depends on the
rows before it; operations that change what they address are `destructive`: the other team is
refused first, then the owner succeeds (proving the thing existed while it was refused).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.notifications.domain.slack_workspace import LinkTicket, SlackWorkspace
from tests.support.seed import Team, add_member, create_team
from tests.support.stack import ADMIN_TOKEN, auth
from tests.support.waiting import eventually

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Request:
    caller: str  # "member", "mate" (a second member), "newcomer", "lead" or "admin"
    path: str
    body: dict | None = None
    query: dict = field(default_factory=dict)
    destructive: bool = False
    expect: tuple[int, ...] = (200, 201, 202, 204)


@dataclass
class TeamWorld:
    """One team's people and things, with every id its responses ever showed."""

    services: dict
    team: Team
    member_id: str
    member: str  # token
    mate_id: str
    mate: str
    goal: dict
    milestone_goal: dict
    checkin: dict
    channel: dict
    partnership: dict
    round: dict
    slack_url: str
    ids: set[str] = field(default_factory=set)
    newcomer: str = ""  # the token of the member `fresh_invitation` added last

    def token(self, caller: str) -> str:
        return {"member": self.member, "mate": self.mate, "newcomer": self.newcomer,
                "lead": self.team.lead, "admin": ADMIN_TOKEN}[caller]

    def call(self, service: str, method: str, path: str, token: str | None,
             body: dict | None = None, query: dict | None = None):
        headers = {"If-Match": "*", **(auth(token) if token else {})}
        return self.services[service].client.open(
            path, method=method, json=body, query_string=query or {}, headers=headers)

    def remember(self, response) -> dict:
        body = response.get_data(as_text=True)
        self.ids.update(UUID.findall(body))
        return response.get_json() if response.is_json and body.strip() else {}

    def made(self, service: str, method: str, path: str, caller: str, body=None) -> dict:
        response = self.call(service, method, path, self.token(caller), body)
        assert response.status_code in (200, 201), (path, response.get_json())
        return self.remember(response)

    # -- fresh things for one row -----------------------------------------------------------
    def fresh_goal(self, **extra) -> dict:
        body = {"title": f"Write {uuid.uuid4().hex[:4]} 3 case studies", "why": "pipeline",
                "due_date": "2031-01-01", "metric": {"unit": "studies", "start": 0,
                                                     "target": 3}, **extra}
        return self.made("goals", "POST", "/v1/goals", "lead", body)

    def fresh_member(self) -> str:
        member_id, _ = add_member(self.services["goals"], self.team, f"M{uuid.uuid4().hex[:6]}")
        self.ids.add(member_id)
        return member_id

    def fresh_newcomer(self) -> str:
        """A member added just now (their token is the `newcomer` caller's), once the checkins
        service knows them: no pairing round has paired them with anyone, so an invitation to
        them stands whatever rounds the rows before ran."""
        member_id, self.newcomer = add_member(self.services["goals"], self.team,
                                              f"N{uuid.uuid4().hex[:6]}")
        self.ids.add(member_id)
        eventually(lambda: self.made("checkins", "GET",
                                     f"/v1/teams/{self.team.id}/members/{member_id}/pairing",
                                     "newcomer"), timeout=90)
        return member_id

    def fresh_invitation(self, inviter: str) -> dict:
        """An open partnership invitation from `inviter` to a newcomer (`fresh_newcomer`)."""
        return self.made("checkins", "POST", f"/v1/teams/{self.team.id}/partnerships", inviter,
                         {"member_id": self.fresh_newcomer()})

    def fresh_milestone(self) -> str:
        return self.made("goals", "POST", f"/v1/goals/{self.milestone_goal['id']}/milestones",
                         "lead", {"title": f"Step {uuid.uuid4().hex[:4]}"})["id"]

    def fresh_pathway(self) -> str:
        return self.made("goals", "POST", f"/v1/goals/{self.milestone_goal['id']}/pathways",
                         "lead", {"name": f"Plan {uuid.uuid4().hex[:4]}"})["id"]

    def fresh_channel(self) -> str:
        return self.made("notifications", "POST", f"/v1/teams/{self.team.id}/channels", "lead",
                         {"type": "slack", "webhook_url": self.slack_url})["id"]

    def fresh_webhook(self) -> str:
        """A signed webhook channel: the one type with a secret to rotate."""
        return self.made("notifications", "POST", f"/v1/teams/{self.team.id}/channels", "lead",
                         {"type": "webhook", "webhook_url": self.slack_url})["id"]

    def milestone_order(self) -> list[str]:
        goal = self.made("goals", "GET", f"/v1/goals/{self.milestone_goal['id']}", "member")
        return [m["id"] for m in goal["milestones"]][::-1]

    def schedule(self) -> None:
        self.made("checkins", "PUT", f"/v1/teams/{self.team.id}/pairing-schedule", "lead",
                  {"every_days": 7})

    def slack_ticket(self) -> str:
        """A link ticket the Slack app offered in the team's workspace. The workspace stands for
        a finished OAuth install (seeded through the service's own repository)."""
        harness = self.services["notifications"]
        now = datetime.now(UTC)
        with harness.container.uow() as uow:
            workspace = uow.slack.workspace(self.team.id)
            if workspace is None:
                workspace = SlackWorkspace(self.team.id, f"T{uuid.uuid4().hex[:8].upper()}",
                                           None, self.team.lead_id, now)
                uow.slack.add(workspace)
            ticket = LinkTicket(workspace.slack_team_id, _slack_user(), now)
            uow.slack.add(ticket)
            uow.commit()
            return ticket.ticket

    def feed_item(self) -> str:
        items = self.made("notifications", "GET", "/v1/me/feed", "lead")["items"]
        assert items, "the lead's feed is still empty"
        return items[0]["id"]


def build_team(services: dict, name: str, slack_url: str) -> TeamWorld:
    """A lead, a member and a mate; a metric goal with a check-in and kudos on it (so the lead
    has a feed item), a milestone goal, a Slack channel, an invitation and a pairing round."""
    goals = services["goals"]
    team = create_team(goals, name=name, lead_name=f"{name}lead")
    member_id, member = add_member(goals, team, f"{name}member")
    mate_id, mate = add_member(goals, team, f"{name}mate")
    world = TeamWorld(services, team, member_id, member, mate_id, mate, {}, {}, {}, {}, {}, {},
                      slack_url)
    world.ids |= {team.id, team.lead_id, member_id, mate_id}
    world.goal = world.fresh_goal()
    world.milestone_goal = world.made("goals", "POST", "/v1/goals", "lead", {
        "title": "Ship 2 releases", "why": "users", "due_date": "2031-01-01",
        "milestones": [{"title": "Beta"}, {"title": "GA"}]})
    world.checkin = eventually(lambda: world.made(
        "checkins", "POST", f"/v1/goals/{world.goal['id']}/checkins", "lead",
        {"value": 1, "note": "first"}), timeout=90)
    world.made("checkins", "POST", f"/v1/checkins/{world.checkin['id']}/kudos", "member",
               {"emoji": "🎉"})
    world.channel = {"id": world.fresh_channel()}
    world.partnership = eventually(lambda: world.made(
        "checkins", "POST", f"/v1/teams/{team.id}/partnerships", "member",
        {"member_id": mate_id}), timeout=90)
    world.round = world.made("checkins", "POST", f"/v1/teams/{team.id}/pairing-rounds", "lead",
                             {"seed": 1})
    eventually(lambda: world.feed_item(), timeout=90)
    return world


Builder = Callable[[TeamWorld], Request]


def _slack_user() -> str:
    return f"U{uuid.uuid4().hex[:10].upper()}"


def _teams(w: TeamWorld) -> str:
    return f"/v1/teams/{w.team.id}"


def _goal(w: TeamWorld) -> str:
    return f"/v1/goals/{w.goal['id']}"


def _plan(w: TeamWorld) -> str:
    return f"/v1/goals/{w.milestone_goal['id']}"


def _checkin(w: TeamWorld) -> str:
    return f"/v1/checkins/{w.checkin['id']}"


def _new_team_body() -> dict:
    name = f"T{uuid.uuid4().hex[:6]}"
    return {"name": name, "timezone": "UTC",
            "lead": {"name": "Lee", "email": f"lee@{name}.example", "timezone": "UTC"}}


def _new_member_body() -> dict:
    return {"name": "Newbie", "email": f"n{uuid.uuid4().hex[:6]}@x.example", "timezone": "UTC"}


def _pending_end(w: TeamWorld) -> Request:
    invite = w.fresh_invitation("lead")
    return Request("newcomer", f"{_teams(w)}/partnerships/{invite['id']}/end", destructive=True)


def _pending_accept(w: TeamWorld) -> Request:
    invite = w.fresh_invitation("member")
    return Request("newcomer", f"{_teams(w)}/partnerships/{invite['id']}/accept",
                   destructive=True)


def _schedule_then(caller: str, destructive: bool = False) -> Builder:
    def build(w: TeamWorld) -> Request:
        w.schedule()
        return Request(caller, f"{_teams(w)}/pairing-schedule", destructive=destructive)

    return build


def _calendar_then(caller: str, destructive: bool = False) -> Builder:
    def build(w: TeamWorld) -> Request:
        path = f"{_teams(w)}/members/{w.member_id}/calendar-feed"
        w.made("checkins", "POST", path, "member")
        return Request(caller, path, destructive=destructive)

    return build


CONTROLS: dict[tuple[str, str], Builder] = {
    # goals: teams and members
    ("POST", "/v1/teams"): lambda w: Request("admin", "/v1/teams", _new_team_body()),
    ("GET", "/v1/teams/{team_id}"): lambda w: Request("member", _teams(w)),
    ("PATCH", "/v1/teams/{team_id}"): lambda w: Request("lead", _teams(w), {"timezone": "UTC"}),
    ("GET", "/v1/teams/{team_id}/members"): lambda w: Request("member", f"{_teams(w)}/members"),
    ("POST", "/v1/teams/{team_id}/members"): lambda w: Request(
        "lead", f"{_teams(w)}/members", _new_member_body()),
    ("GET", "/v1/teams/{team_id}/members/{member_id}"): lambda w: Request(
        "member", f"{_teams(w)}/members/{w.member_id}"),
    ("PATCH", "/v1/teams/{team_id}/members/{member_id}"): lambda w: Request(
        "lead", f"{_teams(w)}/members/{w.mate_id}", {"timezone": "UTC"}),
    ("POST", "/v1/teams/{team_id}/members/{member_id}/token"): lambda w: Request(
        "lead", f"{_teams(w)}/members/{w.fresh_member()}/token", destructive=True),
    ("DELETE", "/v1/teams/{team_id}/members/{member_id}/token"): lambda w: Request(
        "lead", f"{_teams(w)}/members/{w.fresh_member()}/token", destructive=True),
    ("POST", "/v1/teams/{team_id}/members/{member_id}/invites"): lambda w: Request(
        "lead", f"{_teams(w)}/members/{w.mate_id}/invites"),
    # goals: goals, plans, templates
    ("GET", "/v1/goals"): lambda w: Request("member", "/v1/goals"),
    ("POST", "/v1/goals"): lambda w: Request("member", "/v1/goals", {
        "title": "Read 12 books", "why": "growth", "due_date": "2031-01-01",
        "metric": {"unit": "books", "start": 0, "target": 12}}),
    ("POST", "/v1/goals/assess"): lambda w: Request("member", "/v1/goals/assess", {
        "title": "Read 12 books", "due_date": "2031-01-01"}),
    ("GET", "/v1/goals/{goal_id}"): lambda w: Request("member", _goal(w)),
    ("PATCH", "/v1/goals/{goal_id}"): lambda w: Request("lead", _goal(w), {"why": "pipeline!"}),
    ("GET", "/v1/goals/{goal_id}/history"): lambda w: Request("member", f"{_goal(w)}/history"),
    ("POST", "/v1/goals/{goal_id}/{action}"): lambda w: Request(
        "lead", f"/v1/goals/{w.fresh_goal(status='draft')['id']}/activate", destructive=True),
    ("POST", "/v1/goals/{goal_id}/close"): lambda w: Request(
        "lead", f"/v1/goals/{w.fresh_goal()['id']}/close",
        {"outcome": "dropped", "retrospective": "a better goal came"}, destructive=True),
    ("POST", "/v1/goals/{goal_id}/milestones"): lambda w: Request(
        "lead", f"{_plan(w)}/milestones", {"title": "Docs"}),
    ("PUT", "/v1/goals/{goal_id}/milestones/order"): lambda w: Request(
        "lead", f"{_plan(w)}/milestones/order", {"milestone_ids": w.milestone_order()}),
    ("POST", "/v1/goals/{goal_id}/milestones/{milestone_id}/{action}"): lambda w: Request(
        "lead", f"{_plan(w)}/milestones/{w.fresh_milestone()}/complete", destructive=True),
    ("POST", "/v1/goals/{goal_id}/pathways"): lambda w: Request(
        "lead", f"{_plan(w)}/pathways", {"name": "Plan C"}),
    ("POST", "/v1/goals/{goal_id}/pathways/{pathway_id}/activate"): lambda w: Request(
        "lead", f"{_plan(w)}/pathways/{w.fresh_pathway()}/activate", {"reason": "try it"},
        destructive=True),
    ("GET", "/v1/goal-templates"): lambda w: Request("member", "/v1/goal-templates"),
    ("POST", "/v1/goal-templates/{key}/instantiate"): lambda w: Request(
        "member", "/v1/goal-templates/informational-interviews/instantiate",
        {"parameters": {"n": 4}, "why": "grow"}),
    # checkins
    ("GET", "/v1/goals/{goal_id}/checkins"): lambda w: Request("member", f"{_goal(w)}/checkins"),
    ("POST", "/v1/goals/{goal_id}/checkins"): lambda w: Request(
        "lead", f"{_goal(w)}/checkins", {"delta": 1}),
    ("GET", "/v1/goals/{goal_id}/streak"): lambda w: Request("member", f"{_goal(w)}/streak"),
    ("GET", "/v1/checkins/{checkin_id}"): lambda w: Request("member", _checkin(w)),
    ("PATCH", "/v1/checkins/{checkin_id}"): lambda w: Request(
        "lead", _checkin(w), {"note": "edited"}),
    ("POST", "/v1/checkins/{checkin_id}/kudos"): lambda w: Request(
        "mate", f"{_checkin(w)}/kudos", {"emoji": ":rocket:"}, destructive=True),
    ("GET", "/v1/checkins/{checkin_id}/comments"): lambda w: Request(
        "member", f"{_checkin(w)}/comments"),
    ("POST", "/v1/checkins/{checkin_id}/comments"): lambda w: Request(
        "member", f"{_checkin(w)}/comments", {"text": "Nice work"}),
    ("GET", "/v1/teams/{team_id}/partnerships"): lambda w: Request(
        "member", f"{_teams(w)}/partnerships"),
    ("POST", "/v1/teams/{team_id}/partnerships"): lambda w: Request(
        "lead", f"{_teams(w)}/partnerships", {"member_id": w.fresh_newcomer()},
        destructive=True),
    ("POST", "/v1/teams/{team_id}/partnerships/{partnership_id}/accept"): _pending_accept,
    ("POST", "/v1/teams/{team_id}/partnerships/{partnership_id}/end"): _pending_end,
    ("GET", "/v1/teams/{team_id}/members/{member_id}/pairing"): lambda w: Request(
        "member", f"{_teams(w)}/members/{w.member_id}/pairing"),
    ("PUT", "/v1/teams/{team_id}/members/{member_id}/pairing"): lambda w: Request(
        "member", f"{_teams(w)}/members/{w.member_id}/pairing", {"opted_out": False}),
    ("GET", "/v1/teams/{team_id}/members/{member_id}/calendar-feed"): _calendar_then("member"),
    ("POST", "/v1/teams/{team_id}/members/{member_id}/calendar-feed"): lambda w: Request(
        "member", f"{_teams(w)}/members/{w.member_id}/calendar-feed", destructive=True),
    ("DELETE", "/v1/teams/{team_id}/members/{member_id}/calendar-feed"): _calendar_then(
        "member", destructive=True),
    ("GET", "/v1/teams/{team_id}/checkins-due"): lambda w: Request(
        "member", f"{_teams(w)}/checkins-due"),
    ("GET", "/v1/teams/{team_id}/pairing-rounds"): lambda w: Request(
        "member", f"{_teams(w)}/pairing-rounds"),
    ("POST", "/v1/teams/{team_id}/pairing-rounds"): lambda w: Request(
        "lead", f"{_teams(w)}/pairing-rounds", {"seed": 2}),
    ("GET", "/v1/teams/{team_id}/pairing-rounds/{round_id}"): lambda w: Request(
        "member", f"{_teams(w)}/pairing-rounds/{w.round['id']}"),
    ("GET", "/v1/teams/{team_id}/pairing-schedule"): _schedule_then("member"),
    ("PUT", "/v1/teams/{team_id}/pairing-schedule"): lambda w: Request(
        "lead", f"{_teams(w)}/pairing-schedule", {"every_days": 14}),
    ("DELETE", "/v1/teams/{team_id}/pairing-schedule"): _schedule_then("lead", True),
    # notifications
    ("GET", "/v1/teams/{team_id}/channels"): lambda w: Request("lead", f"{_teams(w)}/channels"),
    ("POST", "/v1/teams/{team_id}/channels"): lambda w: Request(
        "lead", f"{_teams(w)}/channels", {"type": "slack", "webhook_url": w.slack_url}),
    ("GET", "/v1/teams/{team_id}/channels/{channel_id}"): lambda w: Request(
        "lead", f"{_teams(w)}/channels/{w.channel['id']}"),
    ("PATCH", "/v1/teams/{team_id}/channels/{channel_id}"): lambda w: Request(
        "lead", f"{_teams(w)}/channels/{w.channel['id']}", {"name": "wins"}),
    ("DELETE", "/v1/teams/{team_id}/channels/{channel_id}"): lambda w: Request(
        "lead", f"{_teams(w)}/channels/{w.fresh_channel()}", destructive=True),
    ("POST", "/v1/teams/{team_id}/channels/{channel_id}/test"): lambda w: Request(
        "lead", f"{_teams(w)}/channels/{w.channel['id']}/test"),
    ("POST", "/v1/teams/{team_id}/channels/{channel_id}/secret"): lambda w: Request(
        "lead", f"{_teams(w)}/channels/{w.fresh_webhook()}/secret"),
    ("GET", "/v1/teams/{team_id}/deliveries"): lambda w: Request(
        "lead", f"{_teams(w)}/deliveries"),
    ("GET", "/v1/teams/{team_id}/digest"): lambda w: Request("lead", f"{_teams(w)}/digest"),
    ("PUT", "/v1/teams/{team_id}/digest"): lambda w: Request(
        "lead", f"{_teams(w)}/digest", {"weekday": 0, "hour": 9}),
    ("GET", "/v1/teams/{team_id}/slack"): lambda w: Request("lead", f"{_teams(w)}/slack"),
    ("POST", "/v1/teams/{team_id}/slack/install-link"): lambda w: Request(
        "lead", f"{_teams(w)}/slack/install-link"),
    ("PUT", "/v1/teams/{team_id}/slack/members/{member_id}"): lambda w: Request(
        "lead", f"{_teams(w)}/slack/members/{w.member_id}", {"slack_user_id": _slack_user()}),
    ("POST", "/v1/me/slack"): lambda w: Request(
        "member", "/v1/me/slack", {"ticket": w.slack_ticket()}, destructive=True),
    ("GET", "/v1/me/feed"): lambda w: Request("lead", "/v1/me/feed"),
    ("GET", "/v1/me/feed/unread-count"): lambda w: Request("lead", "/v1/me/feed/unread-count"),
    ("POST", "/v1/me/feed/read"): lambda w: Request(
        "lead", "/v1/me/feed/read", {"ids": [w.feed_item()]}, destructive=True),
    ("GET", "/v1/me/preferences"): lambda w: Request("member", "/v1/me/preferences"),
    ("PUT", "/v1/me/preferences"): lambda w: Request(
        "member", "/v1/me/preferences", {"delivery": "immediate", "muted": []}),
}
