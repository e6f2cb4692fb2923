"""Wire the web app once: its settings and the one API client every request shares."""

from __future__ import annotations

from dataclasses import dataclass

from services.web.adapters.api_client import ApiClient
from services.web.config import WebSettings
from shared.clock import Clock, SystemClock


@dataclass
class WebContainer:
    settings: WebSettings
    clock: Clock
    api: ApiClient

    def close(self) -> None:
        self.api.close()


def bootstrap(settings: WebSettings, clock: Clock | None = None) -> WebContainer:
    return WebContainer(settings=settings, clock=clock or SystemClock(), api=ApiClient(settings))
