"""The App Home: the goals a member checks in on with health, the check-ins due, and their
streak.

`app_home_opened` and every change that shows there (a goal progressed, health changed, a
check-in logged or due, a streak) queue a `home` task for every Home that shows the goal (a team
goal shows on the Home of each teammate who may check in on it); the worker builds the view
from the read models when it runs the task, so a burst of changes publishes the latest state
once.
A Slack user the app does not know as a member of a team installed in that workspace gets a Home
with a button to link their account.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from services.notifications.domain.replicas import GoalReplica, MemberReplica, StreakReplica
from services.notifications.domain.slack_blocks import GoalLine, home_view, link_home
from services.notifications.domain.slack_dm import SlackTask
from services.notifications.domain.slack_workspace import LinkTicket, SlackWorkspace
from services.notifications.service_layer.access import goals_to_check_in
from services.notifications.service_layer.commands import SlackHomeOpened
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.events.envelope import Event

HOME = "home"


def home_opened(cmd: SlackHomeOpened, uow: NotificationsUnitOfWork, clock: Clock) -> None:
    with uow:
        now = clock.now()
        if not uow.slack_events.take(cmd.event_id, "app_home_opened", now):
            return  # a retried delivery: published already
        members = uow.slack.members_for(cmd.slack_user_id, cmd.slack_team_id)
        here = [m for m in members if (w := uow.slack.workspace(m.team_id)) is not None
                and w.slack_team_id == cmd.slack_team_id]
        if here:  # one Home for them all (home_of), published through one team's workspace
            queue_home(uow, here[0].team_id, here[0].member_id, now)
        elif any(w.is_active for w in uow.slack.workspaces_in(cmd.slack_team_id)):
            ticket = LinkTicket(cmd.slack_team_id, cmd.slack_user_id, now)
            uow.slack.add(ticket)
            uow.slack.add(SlackTask(cmd.slack_team_id, "link", ticket.ticket, now))
        uow.commit()


def queue_home(uow: NotificationsUnitOfWork, team_id: str, member_id: str,
               now: datetime) -> None:
    """Publish the member's App Home soon (once, however many changes come meanwhile)."""
    queue_homes(uow, team_id, [member_id], now)


def queue_homes(uow: NotificationsUnitOfWork, team_id: str, member_ids: Iterable[str],
                now: datetime) -> None:
    """Publish these members' App Homes soon: one task each, however many changes come
    meanwhile, run at the Slack tasks' pace."""
    workspace = home_workspace(uow, team_id)
    wanted = list(dict.fromkeys(member_ids))
    if workspace is None or not wanted:
        return
    pending = uow.slack.pending_subjects(HOME, wanted)
    for member_id in wanted:
        if member_id not in pending:
            uow.slack.add(SlackTask(workspace.slack_team_id, HOME, member_id, now))


def queue_homes_showing(uow: NotificationsUnitOfWork, team_id: str, owner_id: str,
                        goal: GoalReplica | None, now: datetime, *,
                        shown_before: Iterable[str] = ()) -> None:
    """A goal changed: publish soon every Home that shows it. The owner's, and for a team goal
    the Home of each teammate in Slack who may check in on it (`teammates_shown`), and of
    `shown_before`, the teammates whose Home showed it before the change (made private, say)."""
    if home_workspace(uow, team_id) is not None:
        queue_homes(uow, team_id, [owner_id, *teammates_shown(uow, goal), *shown_before], now)


def queue_homes_naming_team(uow: NotificationsUnitOfWork, team_id: str, now: datetime) -> None:
    """The team was renamed: publish soon the Homes that name it, those of its members in
    Slack who are in another team there too (a person in one team reads no team names)."""
    workspace = home_workspace(uow, team_id)
    if workspace is None:
        return
    naming = [m.member_id for m in uow.slack.members_in_slack(team_id)
              if (user := uow.slack.slack_user_of(m.member_id)) is not None
              and len({o.team_id for o in uow.slack.members_for(user,
                                                                workspace.slack_team_id)}) > 1]
    queue_homes(uow, team_id, naming, now)


def teammates_shown(uow: NotificationsUnitOfWork, goal: GoalReplica | None) -> list[str]:
    """The teammates in Slack, besides its owner, whose Home shows `goal`: those it takes
    check-ins from (see `goals_to_check_in`), for a team goal; nobody for a personal one, nor
    in a team without the Slack app (read nothing then)."""
    if goal is None or goal.kind != "team" or home_workspace(uow, goal.team_id) is None:
        return []
    partners = uow.replicas.partners_of(goal.team_id, goal.owner_id) if goal.is_private else ()
    return [m.member_id for m in uow.slack.members_in_slack(goal.team_id)
            if m.member_id != goal.owner_id and goal.takes_checkins_from(m, partners)]


def home_workspace(uow: NotificationsUnitOfWork, team_id: str) -> SlackWorkspace | None:
    """The team's Slack workspace, while the app there is active: Homes are published there."""
    workspace = uow.slack.workspace(team_id)
    return workspace if workspace is not None and workspace.is_active else None


def home_of(uow: NotificationsUnitOfWork, member_id: str, slack_user_id: str,
            slack_team_id: str, link: str) -> dict:
    """The Home of the Slack user `member_id` is in the workspace `slack_team_id`: the open
    goals every member they are there may check in on (one Home per Slack user, whichever team
    changed)."""
    member = uow.replicas.member(member_id)
    members = {m.member_id: m for m in [member, *uow.slack.members_for(slack_user_id,
                                                                         slack_team_id)] if m}
    goals = open_goals_of(uow, members.values())
    teams = team_names(uow, goals)
    lines = [goal_line(uow, g, mine=g.owner_id in members, team=teams.get(g.team_id))
             for g in goals]
    lines.sort(key=lambda g: (g.due_at is None, g.title.lower()))
    return home_view(member.name if member else None, lines, link)


def open_goals_of(uow: NotificationsUnitOfWork,
                  members: Iterable[MemberReplica]) -> list[GoalReplica]:
    """The open goals the `members` one person is may check in on (`goals_to_check_in`)."""
    return [g for m in members for g in goals_to_check_in(uow, m) if g.is_open]


def team_names(uow: NotificationsUnitOfWork, goals: Iterable[GoalReplica]) -> dict[str, str]:
    """The names of the teams of `goals`, by team id, where they are of more than one team (a
    person in two teams may have "Run 100 km" in each): a list of goals names each one's team
    so; none where they are of one."""
    return _names_where_several(uow, {g.team_id for g in goals})


def team_shown(uow: NotificationsUnitOfWork, members: list[MemberReplica],
               goal: GoalReplica) -> str | None:
    """The name of `goal`'s team, as a message about it alone names it after its title to the
    person `members` are (one per team): where they are in several teams, for they cannot tell
    it by the goals beside it as in a list (`team_names`). None for a person in one team, whose
    team's name is not read (finding `members`, `person_of` or `members_for`, costs its own
    statements). The modal, the answers to `/goals checkin`, the DMs and refusals all name a
    goal's team so."""
    return teams_of_person(uow, members).get(goal.team_id)


def teams_of_person(uow: NotificationsUnitOfWork,
                    members: Iterable[MemberReplica]) -> dict[str, str]:
    """The names of the teams of the person `members` are, by team id, where they are in more
    than one (`team_shown`); none for a person in one team, no team's name read."""
    return _names_where_several(uow, {m.team_id for m in members})


def _names_where_several(uow: NotificationsUnitOfWork, team_ids: set[str]) -> dict[str, str]:
    """The names of `team_ids`, by id, where they are more than one: what tells goals of
    several teams apart (" (Ops)", `team_tag`); none for one team, read without a statement."""
    if len(team_ids) < 2:
        return {}
    return {t: team.name for t in team_ids if (team := uow.replicas.team(t)) is not None}


def person_of(uow: NotificationsUnitOfWork, member_id: str, team_id: str) -> list[MemberReplica]:
    """The members the Slack user of the member `member_id` of `team_id` is, one per team
    installed in that team's workspace (`members_for`); none when they are not in Slack."""
    slack_user = uow.slack.slack_user_of(member_id)
    if slack_user is None:
        return []
    workspace = uow.slack.workspace(team_id)
    return uow.slack.members_for(slack_user, workspace.slack_team_id if workspace else None)


def link_view(link_url: str) -> dict:
    return link_home(link_url)


def goal_line(uow: NotificationsUnitOfWork, goal, *, mine: bool = True,
              team: str | None = None) -> GoalLine:
    """The goal as Slack's views show it; `mine` when the reader owns it; `team`, its team's
    name, where the reader tells it so (`team_names`, `team_shown`)."""
    due = uow.replicas.due(goal.goal_id)
    streak = uow.replicas.streak(goal.goal_id)
    return GoalLine(goal.goal_id, goal.title, goal.progress, goal.health, goal.current,
                    goal.target, goal.unit, streak.length if streak else 0,
                    due.due_at if due else None, bool(due and due.missed), mine,
                    streak.frequency if streak else None, team)


def on_streak(event: Event, uow: NotificationsUnitOfWork, now: datetime) -> None:
    """`streak.reached`: keep the goal's streak for the App Home, and refresh it."""
    d = event.data
    uow.replicas.upsert(StreakReplica(d["goal_id"], event.team_id, d["owner_id"], d["length"],
                                      d["at"], d.get("frequency")))
    queue_homes_showing(uow, event.team_id, d["owner_id"], uow.replicas.goal(d["goal_id"]), now)
