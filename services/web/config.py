"""The web app's settings: where the three public APIs live, its sessions database, the session
secret, the port.

The web app has no Kafka and only a sessions table, so its settings are not a
`shared.config.Settings` (whose fields are about a service's database, broker and events); they
are read from the environment once, the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from shared.config import (
    DEFAULT_URLS,
    DEV_SECRET_KEY,
    REPO_ROOT,
    WEB_APP_PORT,
    Secret,
    check_secrets,
    read_float,
    read_int,
)

ENV_VARS = {
    "WEB_PORT": "HTTP port of the web app (default 8000).",
    "WEB_GOALS_URL": "Base URL of the goals service's public API.",
    "WEB_CHECKINS_URL": "Base URL of the checkins service's public API.",
    "WEB_NOTIFICATIONS_URL": "Base URL of the notifications service's public API.",
    "WEB_DATABASE_URL": "The web app's sessions database (default SQLite at .run/web.db).",
    "WEB_SESSION_SECRET": "Key that signs the web session cookie (default GOALKEEPER_SECRET_KEY). "
                          "Must be set on a public deployment (see GOALKEEPER_SECRET_KEY).",
    "GOALKEEPER_PUBLIC_URL": "Base URL of this web app, as members reach it: on a host other "
                             "than loopback, the app refuses a weak session secret.",
    "WEB_API_TIMEOUT_SECONDS": "Read timeout of each call to an API.",
    "WEB_BOARD_POLL_SECONDS": "How often an open board asks for fresh goals.",
    "WEB_GOAL_REFRESH_SECONDS": "How often an open goal page asks for fresh progress (default 5, "
                                "at least 1); every second while goals applies a new check-in.",
    "WEB_GOALS_CAP": "The most goals a page lists (default 1000, at least 1), and the most "
                     "of the team's check-ins due the board reads; a longer list is cut and "
                     "the page says so.",
}


@dataclass(frozen=True)
class WebSettings:
    goals_url: str = DEFAULT_URLS["goals"]
    checkins_url: str = DEFAULT_URLS["checkins"]
    notifications_url: str = DEFAULT_URLS["notifications"]
    session_secret: str = DEV_SECRET_KEY
    database_url: str = f"sqlite:///{REPO_ROOT / '.run/web.db'}"
    port: int = WEB_APP_PORT
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    poll_seconds: int = 4
    goal_refresh_seconds: int = 5  # a goal page's progress refresh, when not catching up
    goals_cap: int = 1000
    feed_page: int = 50  # notifications a page of the feed shows
    log_level: str = "INFO"
    testing: bool = False

    def with_overrides(self, **changes) -> WebSettings:
        return replace(self, **changes)

    @property
    def api_urls(self) -> dict[str, str]:
        return {"goals": self.goals_url, "checkins": self.checkins_url,
                "notifications": self.notifications_url}


def load(env: dict[str, str] | None = None) -> WebSettings:
    """The web app's settings from `env` (default: the process environment); raises ValueError
    for an invalid value, or for a weak session secret on a public deployment."""
    env = dict(os.environ if env is None else env)
    d = WebSettings
    session = session_secret(env)
    settings = WebSettings(
        goals_url=(env.get("WEB_GOALS_URL") or d.goals_url).rstrip("/"),
        checkins_url=(env.get("WEB_CHECKINS_URL") or d.checkins_url).rstrip("/"),
        notifications_url=(env.get("WEB_NOTIFICATIONS_URL") or d.notifications_url).rstrip("/"),
        session_secret=session.value,
        database_url=env.get("WEB_DATABASE_URL") or d.database_url,
        port=read_int(env, "WEB_PORT", d.port),
        read_timeout=read_float(env, "WEB_API_TIMEOUT_SECONDS", d.read_timeout),
        poll_seconds=read_int(env, "WEB_BOARD_POLL_SECONDS", d.poll_seconds),
        goal_refresh_seconds=at_least_one(env, "WEB_GOAL_REFRESH_SECONDS", d.goal_refresh_seconds),
        goals_cap=at_least_one(env, "WEB_GOALS_CAP", d.goals_cap),
        log_level=(env.get("GOALKEEPER_LOG_LEVEL") or d.log_level).upper(),
    )
    check_secrets([session], env)
    return settings


def session_secret(env: dict[str, str]) -> Secret:
    """WEB_SESSION_SECRET, else GOALKEEPER_SECRET_KEY, else the development default."""
    for variable in ("WEB_SESSION_SECRET", "GOALKEEPER_SECRET_KEY"):
        if env.get(variable):
            return Secret(variable, env[variable])
    return Secret("WEB_SESSION_SECRET", WebSettings.session_secret)


def at_least_one(env: dict[str, str], name: str, default: int) -> int:
    value = read_int(env, name, default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value
