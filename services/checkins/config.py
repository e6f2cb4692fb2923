"""Settings only the checkins service reads: reminder lead, grace, escalation, edit window.

Each is read from `Settings.extra` (tests) or the environment, in minutes, and falls back to the
product defaults: reminders 2h before due, missed after 12h, 24h between escalation levels,
check-ins editable for 24h.
"""

from __future__ import annotations

import os
from datetime import timedelta

from services.checkins.domain.schedule import Policy
from shared.config import SERVICE_ENV_VARS, Settings

ENV_VARS = SERVICE_ENV_VARS["checkins"]


def _minutes(settings: Settings, name: str, default: timedelta) -> timedelta:
    raw = str(settings.extra.get(name) or os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        minutes = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of minutes, got {raw!r}") from exc
    if minutes < 0:
        raise ValueError(f"{name} must not be negative")
    return timedelta(minutes=minutes)


def policy_from(settings: Settings) -> Policy:
    default = Policy()
    return Policy(
        reminder_lead=_minutes(settings, "CHECKINS_REMINDER_LEAD_MINUTES", default.reminder_lead),
        grace=_minutes(settings, "CHECKINS_GRACE_MINUTES", default.grace),
        escalation_interval=_minutes(settings, "CHECKINS_ESCALATION_INTERVAL_MINUTES",
                                     default.escalation_interval),
        edit_window=_minutes(settings, "CHECKINS_EDIT_WINDOW_MINUTES", default.edit_window),
    )


def scheduler_interval(settings: Settings) -> float:
    raw = settings.extra.get("CHECKINS_SCHEDULER_INTERVAL_SECONDS") or os.environ.get(
        "CHECKINS_SCHEDULER_INTERVAL_SECONDS")
    return float(raw) if raw else 5.0
