"""How the goals service reacts to other services' events (run by the consumer runner)."""

from __future__ import annotations

from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.events.envelope import Event


def on_checkin_logged(event: Event, uow: GoalsUnitOfWork) -> None:
    data = event.data
    goal = uow.goals.get(event.team_id, data["goal_id"], for_update=True)
    if goal is None or goal.metric is None:
        return
    value = data["value"]
    if value is None and data.get("delta") is not None:
        value = goal.metric.current + data["delta"]
    if value is not None:
        goal.record_progress(value, at=data["at"], checkin_id=data["checkin_id"])


HANDLERS = {"checkin.logged": on_checkin_logged}
