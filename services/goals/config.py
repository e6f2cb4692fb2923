"""Settings only the goals service reads, on top of the shared ones."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import WEB_APP_URL, Settings, read_float

ENV_VARS = {
    "GOALS_HEALTH_INTERVAL_SECONDS": "How often the worker re-evaluates goals whose health is due.",
    "GOALKEEPER_PUBLIC_URL": "Base URL of the web app, for the sign-in links in mail.",
    "GOALS_LINK_RETENTION_DAYS": "Days an invite or sign-in link is kept once used, cancelled "
                                 "or expired, then deleted by the worker (30).",
}


@dataclass(frozen=True)
class GoalsSettings(Settings):
    health_interval: float = 60.0  # seconds between health re-evaluation ticks
    public_url: str = WEB_APP_URL  # the web app, where sign-in links lead
    link_retention_days: float = 30.0  # a spent link is kept this long, then purged

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        return {"health_interval": read_float(env, "GOALS_HEALTH_INTERVAL_SECONDS",
                                              cls.health_interval),
                "public_url": (env.get("GOALKEEPER_PUBLIC_URL") or cls.public_url).rstrip("/"),
                "link_retention_days": read_float(env, "GOALS_LINK_RETENTION_DAYS",
                                                  cls.link_retention_days)}


def load(env: dict[str, str] | None = None) -> GoalsSettings:
    return GoalsSettings.from_env("goals", env)
