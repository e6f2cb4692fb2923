"""Settings only the checkins service reads: reminder lead, grace, escalation, edit window, and
how long a check-in request from Slack waits for its member and goal to arrive (`CATCH_UP`).

The policy's durations are given in minutes and fall back to the product defaults: reminders 2h
before due, missed after 12h, 24h between escalation levels, check-ins editable for 24h. The
catch-up is given in seconds (15 by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.on_events import CATCH_UP
from shared.config import WEB_APP_URL, Settings, read_float

ENV_VARS = {
    "CHECKINS_REMINDER_LEAD_MINUTES": "How long before a due check-in the reminder goes out.",
    "CHECKINS_GRACE_MINUTES": "How long after the due time a check-in counts as missed.",
    "CHECKINS_ESCALATION_INTERVAL_MINUTES": "Time between escalation levels of a miss.",
    "CHECKINS_EDIT_WINDOW_MINUTES": "How long the author may edit a check-in.",
    "CHECKINS_SCHEDULER_INTERVAL_SECONDS": "How often the scheduler looks for due work.",
    "CHECKINS_COMMAND_CATCH_UP_SECONDS": "How long a check-in request from Slack waits for its "
                                         "member and its goal to reach this service before "
                                         "it is refused as from an unknown member or for an "
                                         "unknown goal.",
    "GOALKEEPER_PUBLIC_URL": "Base URL of the web app, linked from calendar feed events.",
}


@dataclass(frozen=True)
class CheckinsSettings(Settings):
    policy: Policy = field(default_factory=Policy)
    scheduler_interval: float = 5.0  # seconds between scheduler ticks
    command_catch_up: timedelta = CATCH_UP
    public_url: str = WEB_APP_URL  # the web app, linked from calendar events

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        default = Policy()

        def minutes(name: str, fallback: timedelta) -> timedelta:
            value = read_float(env, name, fallback.total_seconds() / 60)
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            return timedelta(minutes=value)

        return {
            "policy": Policy(
                reminder_lead=minutes("CHECKINS_REMINDER_LEAD_MINUTES", default.reminder_lead),
                grace=minutes("CHECKINS_GRACE_MINUTES", default.grace),
                escalation_interval=minutes("CHECKINS_ESCALATION_INTERVAL_MINUTES",
                                            default.escalation_interval),
                edit_window=minutes("CHECKINS_EDIT_WINDOW_MINUTES", default.edit_window),
            ),
            "scheduler_interval": read_float(env, "CHECKINS_SCHEDULER_INTERVAL_SECONDS", 5.0),
            "command_catch_up": timedelta(seconds=read_float(
                env, "CHECKINS_COMMAND_CATCH_UP_SECONDS", CATCH_UP.total_seconds())),
            "public_url": env.get("GOALKEEPER_PUBLIC_URL") or cls.public_url,
        }


def load(env: dict[str, str] | None = None) -> CheckinsSettings:
    return CheckinsSettings.from_env("checkins", env)
