"""How the goals service reacts to other services' events (run by the consumer runner).

- `checkin.logged` moves the metric (value, or delta from the current one), completes the
  milestones it names, then settles the goal: achievement (once), health and roll-up. Each
  `goal.progressed` it makes names the check-in (notifications announce it with that figure).
  A closed goal's metric and milestones are left as they were closed (a check-in that raced
  the close).
- `checkin.edited` corrects the figure the check-in logged, while no check-in has logged one
  since (see `Lifecycle.correct_checkin`), opens again the milestones the check-in alone
  completed and no longer names (see `Planning.take_back_milestones`), completes newly named
  ones, then settles the same way: an achieved goal stays achieved, as after a figure's correction.
- `partners.paired` / `partnership.ended` keep the partnerships that widen private visibility;
  an event ends only a partnership of its own team.

Consumed data is already loaded by the event catalogue: `at` is an aware datetime.
"""

from __future__ import annotations

from services.goals.domain.alignment import settle
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.clock import Clock
from shared.events.envelope import Event
from shared.goal_statuses import CLOSED


def on_checkin_logged(event: Event, uow: GoalsUnitOfWork, clock: Clock) -> None:
    data = event.data
    goal = uow.goals.get(event.team_id, data["goal_id"], for_update=True)
    if goal is None:
        return
    at, actor = data["at"], data["author_id"]
    goal.log_checkin(data["value"], data.get("delta"), actor=actor, at=at,
                     checkin_id=data["checkin_id"])
    _complete_named(goal, data, actor, at)
    settle(goal, uow.goals, now=clock.now(), actor=actor)


def on_checkin_edited(event: Event, uow: GoalsUnitOfWork, clock: Clock) -> None:
    data = event.data
    goal = uow.goals.get(event.team_id, data["goal_id"], for_update=True)
    if goal is None:
        return
    actor, at = data["author_id"], data["at"]
    goal.correct_checkin((data["previous_value"], data["previous_delta"]),
                         (data["value"], data["delta"]), actor=actor, at=at,
                         checkin_id=data["checkin_id"])
    if goal.status not in CLOSED:
        goal.take_back_milestones(data["checkin_id"], set(data["completed_milestones"]),
                                  actor=actor, at=at)
        _complete_named(goal, data, actor, at)
    settle(goal, uow.goals, now=clock.now(), actor=actor)


def _complete_named(goal, data: dict, actor: str, at) -> None:
    if goal.status in CLOSED:
        return
    for milestone_id in data.get("completed_milestones") or ():
        if any(milestone_id == m.id for p in goal.pathways for m in p.milestones):
            goal.complete_milestone(milestone_id, actor=actor, at=at,
                                    checkin_id=data["checkin_id"])


def on_partners_paired(event: Event, uow: GoalsUnitOfWork) -> None:
    data = event.data
    uow.partnerships.start(data["partnership_id"], event.team_id, data["member_ids"], data["at"])


def on_partnership_ended(event: Event, uow: GoalsUnitOfWork) -> None:
    uow.partnerships.end(event.data["partnership_id"], event.team_id, event.data["at"])
