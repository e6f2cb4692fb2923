"""Wire the web app once: its settings, its sessions store and the one API client every
request shares."""

from __future__ import annotations

from dataclasses import dataclass

from services.web.adapters.api_client import ApiClient
from services.web.adapters.repositories import WebSessions
from services.web.config import WebSettings
from services.web.domain.sessions import LIFETIME
from shared.clock import Clock, SystemClock
from shared.db import make_engine


@dataclass
class WebContainer:
    settings: WebSettings
    clock: Clock
    api: ApiClient
    sessions: WebSessions

    def close(self) -> None:
        self.api.close()
        self.sessions.engine.dispose()


def bootstrap(settings: WebSettings, clock: Clock | None = None) -> WebContainer:
    sessions = WebSessions(make_engine(settings.database_url), LIFETIME)
    sessions.create_tables()
    return WebContainer(settings=settings, clock=clock or SystemClock(), api=ApiClient(settings),
                        sessions=sessions)
