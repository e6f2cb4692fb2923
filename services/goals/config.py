"""Settings only the goals service reads, on top of the shared ones."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings, read_float

ENV_VARS = {
    "GOALS_HEALTH_INTERVAL_SECONDS": "How often the worker re-evaluates goals whose health is due.",
}


@dataclass(frozen=True)
class GoalsSettings(Settings):
    health_interval: float = 60.0  # seconds between health re-evaluation ticks

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        return {"health_interval": read_float(env, "GOALS_HEALTH_INTERVAL_SECONDS",
                                              cls.health_interval)}


def load(env: dict[str, str] | None = None) -> GoalsSettings:
    return GoalsSettings.from_env("goals", env)
