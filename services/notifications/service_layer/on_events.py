"""Handlers of the goals and checkins events the worker consumes: keep the replicas, then say
who hears what. Defaults:

- a check-in: the owner's partners (feed) and the team channels;
- a missed check-in: the recipients of its escalation level (owner, partners, leads), in
  their feed and, with SMTP set, by mail;
- a sign-in link asked for: a mail to that address;
- a goal achieved, a milestone done, a new goal: the team channels;
- health changed to off track: the owner and the leads (feed); any alert to the channels that
  want that health;
- kudos and comments: their recipient (held while they are snoozed, see
  `fanout.HELD_THROUGH_SNOOZE`); a new pairing: the partners.

Nobody is told of what they did themselves: a comment on one's own check-in tells no one.

Private goals never reach team channels. Besides `(event, uow)` a handler names what else it
needs (`notifier`, `public_url`, `waits`, `clock`); bootstrap binds those once.

The Slack app hears the same events: a check-in due or missed DMs its recipients, a check-in
logged updates those DMs, a check-in from the modal that checkins rejected is DMed to its
member, and any change to a goal refreshes every App Home that shows it
(`slack_checkin_handlers`, `slack_home_handlers`).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from services.notifications.domain.announcement import AwaitedCheckin
from services.notifications.domain.email import sign_in_mail
from services.notifications.domain.fanout import (
    Notifier,
    Occurrence,
    jsonable,
    withheld_from_channels,
)
from services.notifications.domain.render import render
from services.notifications.domain.replicas import (
    Activity,
    GoalReplica,
    MemberReplica,
    Partnership,
    TeamReplica,
)
from services.notifications.domain.slack_dm import SlackTask
from services.notifications.domain.slash import Answer, SlackRequest, ephemeral
from services.notifications.service_layer import slack_checkin_handlers as slack_dms
from services.notifications.service_layer.slack_home_handlers import (
    home_workspace,
    on_streak,
    queue_homes_naming_team,
    queue_homes_showing,
    teammates_shown,
)
from services.notifications.service_layer.slack_task_handlers import answer_text
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.consumer import RetryLater
from shared.events.envelope import Event
from shared.slack_user_ids import as_slack_writes_it, kept_slack_user_ids

log = logging.getLogger(__name__)


class GoalWaits:
    """How often an event about a goal not known yet is retried before it goes on without it
    (the goal's own event, on another topic, may still be on its way); a check-in then waits
    for it parked (`on_checkin_logged`)."""

    def __init__(self, limit: int = 8):
        self.limit = limit
        self._waits: Counter[str] = Counter()

    def known_goal(self, event: Event, uow: NotificationsUnitOfWork) -> GoalReplica | None:
        """The goal `event` names, as `_of_its_team` says, once waited for."""
        return _of_its_team(event, self.copy_of(event, uow))

    def copy_of(self, event: Event, uow: NotificationsUnitOfWork) -> GoalReplica | None:
        """The copy of the goal `event` names, whatever its team; None once waited for."""
        goal = uow.replicas.goal(event.data.get("goal_id"))
        if goal is None and self._waits[event.id] < self.limit:
            self._waits[event.id] += 1
            raise RetryLater(f"goal {event.data.get('goal_id')} not known yet")
        self._waits.pop(event.id, None)
        return goal


def _team_goal(event: Event, uow: NotificationsUnitOfWork) -> GoalReplica | None:
    """The goal `event` names, as `_of_its_team` says."""
    return _of_its_team(event, uow.replicas.goal(event.data.get("goal_id")))


def _of_its_team(event: Event, goal: GoalReplica | None) -> GoalReplica | None:
    """`goal`, the one `event` names, unless it is another team's: then unknown to the event
    (a warning logged), so the event's team hears nothing of it and its copy stays as it is."""
    if goal is not None and goal.team_id != event.team_id:
        log.warning("%s %s of team %s names goal %s of team %s: taken as unknown", event.type,
                    event.id, event.team_id, goal.goal_id, goal.team_id)
        return None
    return goal


# -- replicas of the goals service's teams, members and goals ---------------------------------
def on_team_created(event: Event, uow: NotificationsUnitOfWork) -> None:
    d = event.data
    uow.replicas.upsert(TeamReplica(d["team_id"], d["name"], d["timezone"]))


def on_team_updated(event: Event, uow: NotificationsUnitOfWork, clock: Clock) -> None:
    """The team's copy; renamed, the Slack Homes that name it (of a person in several teams)
    are published again."""
    team = uow.replicas.team(event.data["team_id"])
    renamed = team is not None and team.name != event.data["name"]
    on_team_created(event, uow)
    if renamed:
        queue_homes_naming_team(uow, event.data["team_id"], clock.now())


def on_member_added(event: Event, uow: NotificationsUnitOfWork) -> None:
    """The member's copy, with the Slack user id `kept_slack_user_id` gives it."""
    d = event.data
    uow.replicas.upsert(MemberReplica(
        d["member_id"], d["team_id"], d["name"], d["role"], d["timezone"], state=d["state"],
        token_version=d["token_version"], slack_user_id=kept_slack_user_id(d, uow),
        email=d.get("email"), snoozed_until=d.get("snoozed_until"),
    ))


def kept_slack_user_id(member: dict, uow: NotificationsUnitOfWork) -> str | None:
    """The Slack user id the copy of `member` (a member event's data) keeps. One spelled as
    Slack writes it (or naming no Slack user) is goals' decision, under its rule of one member
    per Slack user in a team: kept as it comes. One spelled otherwise (an event goals
    published before it upper-cased ids) goes by the rule the migrations settled such ids by
    (`shared.slack_user_ids.kept_slack_user_ids`), among the member and the teammates whose
    copy names that user: Slack's spelling of it, unless a teammate keeps it (none then).
    Teammates' copies change only by their own events."""
    typed = member.get("slack_user_id")
    spelled = as_slack_writes_it(typed) if typed else None
    if spelled is None or spelled == typed:
        return typed
    naming = uow.replicas.members_naming(member["team_id"], spelled, but=member["member_id"])
    _, cleared = kept_slack_user_ids([
        (member["member_id"], member["team_id"], member["state"], typed),
        *((m.member_id, m.team_id, m.state, m.slack_user_id) for m in naming)])
    return None if member["member_id"] in cleared else spelled


def on_member_updated(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier) -> None:
    """The member's copy; when their snooze (or time zone, where its end falls) changed, what
    the snooze held follows the new end (see `Notifier.place_held`): lifted, it is placed as a
    new item would be now (shown on the deliverer's next pass, or for the digest). What a
    snooze that ran out released (goals then wakes the member) is held no longer
    (`Notifications.held_for`): it shows as the snooze's end placed it. A new Slack user in
    their profile is theirs, though a move to another workspace unlinked the old one."""
    before = uow.replicas.member(event.data["member_id"])
    held_until = _snooze_of(before)
    profile_user = before.slack_user_id if before else None
    on_member_added(event, uow)
    member = uow.replicas.member(event.data["member_id"])
    if member.slack_user_id != profile_user:
        uow.slack.forget_unlinked(member.member_id)
    if before is not None and member.gone_from(before.team_id):
        notifier.drop_for_gone(uow, member)
    elif _snooze_of(member) != held_until:
        prefs = uow.preferences.of(member.member_id, member.team_id)
        notifier.place_held(uow, member.member_id, prefs, member)


def _snooze_of(member: MemberReplica | None) -> tuple | None:
    """What decides when the member's snooze ends."""
    return (member.state, member.snoozed_until, member.timezone) if member else None


def on_member_sign_in_requested(event: Event, uow: NotificationsUnitOfWork,
                                notifier: Notifier) -> None:
    """Mail the sign-in link (transactional: sent even after an unsubscribe); it is the mail's
    link, the only one its body shows."""
    d = event.data
    what = Occurrence(event.id, event.type, event.team_id, event.time, link=d["link"])
    notifier.to_email(uow, what, sign_in_mail(d["link"], d["expires_at"]), d["email"],
                      d["member_id"], transactional=True)


def on_goal_updated(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                    public_url: str, now: datetime) -> GoalReplica | None:
    """Any goal event carrying the goal's whole state: upsert the replica (never one of
    another team: None, see `_of_its_team`). The first copy takes the check-ins parked for it
    (`goal_came`, from `now`), in the same transaction."""
    goal_id = event.data["goal_id"]
    first_copy = uow.replicas.goal(goal_id) is None
    if first_copy:
        uow.replicas.upsert(GoalReplica.from_state(event.data))
        uow.flush()
    goal = _team_goal(event, uow)
    if goal is not None:
        goal.refresh(event.data)
    if first_copy:
        for awaited in uow.awaited_checkins.parked_for(goal_id):
            goal_came(awaited, uow, notifier, public_url, now)
    return goal


def on_goal_changed(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                    public_url: str, clock: Clock) -> None:
    """A goal edited, activated, reopened, closed or switched: its replica, and every Home that
    shows it, before the change or after."""
    shown_before = teammates_shown(uow, uow.replicas.goal(event.data["goal_id"]))
    goal = on_goal_updated(event, uow, notifier, public_url, clock.now())
    if goal is None:
        return
    queue_homes_showing(uow, event.team_id, goal.owner_id, goal, clock.now(),
                        shown_before=shown_before)


on_goal_activated = on_goal_reopened = on_goal_closed = on_goal_changed
on_goal_pathway_switched = on_goal_changed


def on_goal_created(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                    public_url: str, clock: Clock) -> None:
    goal = on_goal_updated(event, uow, notifier, public_url, clock.now())
    if goal is None:
        return
    _to_channels(event, uow, goal, notifier, public_url)
    queue_homes_showing(uow, event.team_id, goal.owner_id, goal, clock.now())


on_goal_achieved = on_goal_created


def on_goal_progressed(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                       public_url: str, clock: Clock) -> None:
    """The goals service's new figure; a check-in waiting for it is announced now."""
    d = event.data
    goal = _team_goal(event, uow)
    if goal is None:
        return
    goal.progressed(d["progress"], d.get("checkin_id"))
    goal.current = d["current"]
    queue_homes_showing(uow, event.team_id, goal.owner_id, goal, clock.now())
    awaited = uow.awaited_checkins.get(d.get("checkin_id"))
    if awaited is not None:
        announce_checkin(awaited, uow, notifier, public_url)


def on_goal_milestone_completed(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                                public_url: str, waits: GoalWaits) -> None:
    goal = waits.known_goal(event, uow)
    _to_channels(event, uow, goal, notifier, public_url)


def on_goal_health_changed(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                           public_url: str, waits: GoalWaits, clock: Clock) -> None:
    """The owner and the leads hear of a goal gone off track; of another team's goal, nobody
    (a goal not known at all, they do: the event names its title)."""
    d = event.data
    copy = waits.copy_of(event, uow)
    goal = _of_its_team(event, copy)
    if goal is None and copy is not None:
        return
    if goal is not None:
        goal.health, goal.expected, goal.progress = d["health"], d["expected"], d["progress"]
    queue_homes_showing(uow, event.team_id, d["owner_id"], goal, clock.now())
    _to_channels(event, uow, goal, notifier, public_url, health=d["health"])
    if d["health"] == "off_track":
        leads = [m.member_id for m in uow.replicas.leads(event.team_id)]
        _to_members(event, uow, goal, [d["owner_id"], *leads], notifier, public_url)


# -- check-ins and what follows them ---------------------------------------------------------
def on_checkin_logged(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                      public_url: str, waits: GoalWaits, clock: Clock) -> None:
    """Partners hear at once; the channels and the Slack answer show the goals service's
    figure for this check-in, so they wait for it (see `domain.announcement`). A check-in whose
    goal has no copy here once waited for is parked: all of it is told when the copy comes
    (`on_goal_updated`; the two hold the goal's parked check-ins in turn, `hold_parked_of`)."""
    copy = waits.copy_of(event, uow)
    d = event.data
    _record_activity(event, uow, "checkin", d["author_id"])
    slack_dms.on_logged(event, uow, clock.now())
    if copy is None:
        uow.awaited_checkins.hold_parked_of(d["goal_id"])
        copy = uow.replicas.goal(d["goal_id"])  # written and committed as we waited for it
    if copy is None:
        log.warning("checkin.logged %s: goal %s not known yet, the check-in waits for it",
                    event.id, d["goal_id"])
        uow.awaited_checkins.add(_awaited(event, notifier.clock.now(), waits_for_goal=True))
        return
    goal = _of_its_team(event, copy)
    figure = goal.progress_after(d["checkin_id"]) if goal else None
    if goal is not None:
        _to_partners(event, uow, goal, figure, notifier, public_url)
    if goal is None or figure is not None:
        _announce(event, uow, goal, figure, notifier, public_url)
    else:
        uow.awaited_checkins.add(_awaited(event, notifier.clock.now()))


def _awaited(event: Event, now: datetime, *, waits_for_goal: bool = False) -> AwaitedCheckin:
    d = event.data
    return AwaitedCheckin(d["checkin_id"], d["goal_id"], event.team_id, event.id, event.time,
                          jsonable(d), now, waits_for_goal=waits_for_goal)


def announce_checkin(awaited: AwaitedCheckin, uow: NotificationsUnitOfWork, notifier: Notifier,
                     public_url: str) -> None:
    """Announce a check-in that waited, with the goal's latest figure from the goals service;
    one parked for its goal tells its partners too."""
    event = _logged(awaited)
    goal = _of_its_team(event, uow.replicas.goal(awaited.goal_id))
    progress = goal.progress if goal else None
    if awaited.waits_for_goal and goal is not None:
        _to_partners(event, uow, goal, progress, notifier, public_url)
    _announce(event, uow, goal, progress, notifier, public_url)
    uow.awaited_checkins.remove(awaited)


def goal_came(awaited: AwaitedCheckin, uow: NotificationsUnitOfWork, notifier: Notifier,
              public_url: str, now: datetime) -> bool:
    """The goal of a check-in parked for it is known now. With the goals figure for the
    check-in come too, it is told in full at once (`announce_checkin`: True); without, its
    partners hear of it, and its announcement waits for that figure as any other's, from
    `now`."""
    event = _logged(awaited)
    goal = _of_its_team(event, uow.replicas.goal(awaited.goal_id))
    figure = goal.progress_after(awaited.checkin_id) if goal is not None else None
    if figure is not None:
        announce_checkin(awaited, uow, notifier, public_url)
        return True
    if goal is not None:
        _to_partners(event, uow, goal, figure, notifier, public_url)
    awaited.goal_came(now)
    return False


def _logged(awaited: AwaitedCheckin) -> Event:
    """The `checkin.logged` event `awaited` waits to announce."""
    return Event(type="checkin.logged", team_id=awaited.team_id, data=awaited.event_data,
                 id=awaited.event_id, time=awaited.event_time)


def _to_partners(event: Event, uow: NotificationsUnitOfWork, goal: GoalReplica,
                 figure: float | None, notifier: Notifier, public_url: str) -> None:
    """The goal owner's partners, and those the check-in names, hear of it."""
    d = event.data
    partners = uow.replicas.partners_of(event.team_id, goal.owner_id)
    partners += d.get("partner_ids") or []
    _to_members(event, uow, goal, partners, notifier, public_url, actor=d["author_id"],
                progress=figure)


def _announce(event: Event, uow: NotificationsUnitOfWork, goal: GoalReplica | None,
              progress: float | None, notifier: Notifier, public_url: str) -> None:
    _to_channels(event, uow, goal, notifier, public_url, progress=progress)
    _answer_slack(event, uow, notifier, Answer.logged(event.data.get("value"), progress))


def on_checkin_rejected(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                        clock: Clock) -> None:
    """The slash command hears at its response_url; the modal, which has none, by DM (its
    request keeps checkins' reason for it): why, as `refusal_text` says it."""
    request = uow.slack_requests.get(event.data.get("request_id"))
    reason = event.data["reason"]
    if request is not None and not request.from_modal:
        _answer_slack(event, uow, notifier, Answer.refused(reason))
    slack_dms.on_rejected(request, uow, clock.now(), reason)


def on_checkin_missed(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                      public_url: str, clock: Clock) -> None:
    goal = _team_goal(event, uow)
    _to_members(event, uow, goal, event.data["recipients"], notifier, public_url)
    slack_dms.on_due(event, uow, clock.now())


def on_checkin_reminder(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                        public_url: str, clock: Clock) -> None:
    goal = _team_goal(event, uow)
    _to_members(event, uow, goal, [event.data["owner_id"]], notifier, public_url)
    slack_dms.on_due(event, uow, clock.now())


def on_streak_reached(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                      public_url: str, clock: Clock) -> None:
    d = event.data
    on_streak(event, uow, clock.now())
    _record_activity(event, uow, "streak", d["owner_id"], d["length"],
                     frequency=d.get("frequency"))
    _to_members(event, uow, _team_goal(event, uow), [d["owner_id"]], notifier, public_url)


def on_kudos_given(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                   public_url: str) -> None:
    d = event.data
    _record_activity(event, uow, "kudos", d["from_id"])
    _to_members(event, uow, _team_goal(event, uow), [d["to_id"]], notifier, public_url,
                actor=d["from_id"])


def on_comment_added(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                     public_url: str) -> None:
    d = event.data
    _to_members(event, uow, _team_goal(event, uow), [d["to_id"]], notifier, public_url,
                actor=d["author_id"])


def on_partners_paired(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                       public_url: str) -> None:
    d = event.data
    uow.replicas.upsert(Partnership(d["partnership_id"], d["team_id"], d["member_ids"]))
    names = [m.name for m in map(uow.replicas.member, d["member_ids"]) if m is not None]
    _to_members(event, uow, None, d["member_ids"], notifier, public_url, names=names)


def on_partnership_ended(event: Event, uow: NotificationsUnitOfWork) -> None:
    uow.replicas.end_partnership(event.data["partnership_id"], event.team_id)


# -- fan-out ---------------------------------------------------------------------------------
def _record_activity(event: Event, uow: NotificationsUnitOfWork, kind: str, member_id: str,
                     amount: float = 1.0, frequency: str | None = None) -> None:
    at = event.data.get("at") or datetime.fromisoformat(event.time)
    uow.replicas.record(Activity(event.team_id, kind, member_id, at,
                                 goal_id=event.data.get("goal_id"), amount=amount,
                                 frequency=frequency))


def _to_channels(event: Event, uow: NotificationsUnitOfWork, goal: GoalReplica | None,
                 notifier: Notifier, public_url: str, health: str | None = None,
                 **context) -> None:
    if withheld_from_channels(goal, event.team_id):
        return  # private (or unknown) goals never reach shared channels
    rendered = render(event.type, event.data, _context(event, uow, goal, **context))
    notifier.to_channels(uow, _occurrence(event, public_url), rendered, health=health)


def _to_members(event: Event, uow: NotificationsUnitOfWork, goal: GoalReplica | None,
                member_ids: list[str], notifier: Notifier, public_url: str,
                **context) -> None:
    """Tell `member_ids` of `event`, except its `actor`: nobody hears of what they did."""
    told = [m for m in member_ids if m != context.get("actor")]
    if not told:
        return
    rendered = render(event.type, event.data, _context(event, uow, goal, **context))
    notifier.to_members(uow, _occurrence(event, public_url), rendered, told)


def _context(event: Event, uow: NotificationsUnitOfWork, goal: GoalReplica | None, *,
             actor: str | None = None, **extra) -> dict:
    owner = uow.replicas.member(event.data.get("owner_id") or (goal.owner_id if goal else None))
    acting = uow.replicas.member(actor or event.data.get("author_id"))
    return {
        "goal_title": goal.title if goal else event.data.get("title"),
        "owner_name": owner.name if owner else None,
        "actor_name": acting.name if acting else None,
        "health": goal.health if goal else None,
        "unit": goal.unit if goal else None,
        **{k: v for k, v in extra.items() if v is not None},
    }


def prefetch(events: list[Event], uow: NotificationsUnitOfWork) -> None:
    """Before a batch's handlers: the check-ins its goal.progressed events announce, and the
    targets already notified of its events (and of those check-ins), one statement each."""
    checkin_ids = [e.data["checkin_id"] for e in events
                   if e.type == "goal.progressed" and e.data.get("checkin_id")]
    awaited = uow.awaited_checkins.read(checkin_ids) if checkin_ids else []
    uow.notifications.read_targets([e.id for e in events] + [a.event_id for a in awaited])


def _occurrence(event: Event, public_url: str) -> Occurrence:
    goal_id = event.data.get("goal_id")
    base = public_url.rstrip("/")
    link = f"{base}/goals/{goal_id}" if goal_id else base
    return Occurrence(event.id, event.type, event.team_id, event.time, event.data, link)


# -- answers to the slash command --------------------------------------------------------------
def _answer_slack(event: Event, uow: NotificationsUnitOfWork, notifier: Notifier,
                  answer: Answer) -> None:
    """Post `answer` to the slash command that asked for this check-in at its response_url,
    worded now (`answer_text`); DM it to the member instead once that URL no longer takes
    answers (`dm_answer`; the deliverer does too when Slack says so, `Deliverer._answered`).
    The request keeps the answer, not its words, for a DM to word when it is sent."""
    request = uow.slack_requests.get(event.data.get("request_id"))
    if request is None or request.answered_at is not None or not request.response_url:
        return  # not asked for, answered already, or from the modal (its DM says it)
    now = notifier.clock.now()
    if not uow.slack_requests.answered(request, now):
        return  # answered meanwhile, by another worker's transaction
    request.answer = answer.dumps()
    if not request.url_takes_answers(now) and dm_answer(request, uow, now):
        return  # without the Slack app installed, the URL is tried all the same
    text = answer_text(uow, request, answer)
    payload = {**ephemeral(text), "replace_original": False}
    what = Occurrence(event.id, event.type, event.team_id, event.time, event.data)
    notifier.to_url(uow, what, request.request_id, request.response_url, payload, text)


def dm_answer(request: SlackRequest, uow: NotificationsUnitOfWork, now: datetime) -> bool:
    """Queue the answer `request` keeps as a DM to its member (an `answer_dm` task, which words
    it when it is sent: `answer_text`) through the team's Slack workspace (`home_workspace`);
    False, nothing queued, without an active one, without an answer, or once queued."""
    workspace = home_workspace(uow, request.team_id)
    if workspace is None or request.answer is None or request.dmed_at is not None:
        return False
    request.dmed_at = now
    uow.slack.add(SlackTask(workspace.slack_team_id, "answer_dm", request.request_id, now))
    return True
