"""Settings only the notifications service reads: the Slack app and links back to Goalkeeper."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings

ENV_VARS = {
    "SLACK_SIGNING_SECRET": "Slack app signing secret: verifies every request from Slack.",
    "GOALKEEPER_PUBLIC_URL": "Base URL used in links inside Slack messages.",
}


@dataclass(frozen=True)
class NotificationsSettings(Settings):
    slack_signing_secret: str = "dev-slack-signing-secret"
    public_url: str = "http://127.0.0.1:8003"

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        return {
            "slack_signing_secret": env.get("SLACK_SIGNING_SECRET") or cls.slack_signing_secret,
            "public_url": env.get("GOALKEEPER_PUBLIC_URL") or cls.public_url,
        }


def load(env: dict[str, str] | None = None) -> NotificationsSettings:
    return NotificationsSettings.from_env("notifications", env)
