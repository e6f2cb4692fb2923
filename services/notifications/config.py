"""Settings only the notifications service reads: the Slack app, SMTP, links back to
Goalkeeper, and the pacing of delivery, retries, coalescing and digests (defaults are the
tuned values)."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain.email import sender_address
from shared.config import (
    DEFAULT_URLS,
    DEV_SLACK_SIGNING_SECRET,
    RANDOM_SECRET,
    WEB_APP_URL,
    Secret,
    Settings,
    read_float,
    read_int,
)

ENV_VARS = {
    "SLACK_SIGNING_SECRET": "Slack app signing secret: verifies every request from Slack. Must "
                            "be set on a public deployment, Slack used or not (see "
                            "GOALKEEPER_SECRET_KEY).",
    "GOALKEEPER_PUBLIC_URL": "Base URL used in links inside Slack messages.",
    "SLACK_CLIENT_ID": "Slack app's client id (OAuth v2 install).",
    "SLACK_CLIENT_SECRET": "Slack app's client secret (OAuth v2 install).",
    "SLACK_APP_URL": "Public base URL of this service, as Slack reaches it (install link, "
                     "OAuth redirect).",
    "SLACK_API_URL": "Base URL of Slack's Web API (https://slack.com/api/).",
    "SLACK_AUTHORIZE_URL": "Slack's OAuth v2 authorize page (https://slack.com/oauth/v2/authorize).",
    "SLACK_SCOPES": "Bot scopes the app asks for (chat:write,im:write,commands).",
    "NOTIFICATIONS_SLACK_TICK_SECONDS": "How often the worker runs due Slack Web API calls (0.5).",
    "SMTP_HOST": "Mail server or relay for email (digests, escalations, sign-in links); "
                 "email is off when unset.",
    "SMTP_PORT": "Its submission port (587).",
    "SMTP_USER": "SMTP login, when the server needs one.",
    "SMTP_PASSWORD": "SMTP password of SMTP_USER.",
    "SMTP_FROM": "Sender of every mail: an address, or a name and address (goalkeeper@localhost).",
    "SMTP_STARTTLS": "Upgrade the SMTP connection with STARTTLS (true).",
    "NOTIFICATIONS_PUBLIC_URL": "Public base URL of this service, for the one-click unsubscribe "
                                "links in mail (GOALKEEPER_PUBLIC_URL when unset).",
    "NOTIFICATIONS_PACE_SECONDS": "Least time between two messages to one channel (1).",
    "NOTIFICATIONS_MAX_ATTEMPTS": "Attempts before a delivery or a Slack Web API task is "
    "given up as failed (300: a day of outage at the 5-minute backoff cap).",
    "NOTIFICATIONS_BACKOFF_BASE_SECONDS": "First retry wait; doubles per attempt, jittered (1).",
    "NOTIFICATIONS_BACKOFF_CAP_SECONDS": "Longest wait between two retries (300).",
    "NOTIFICATIONS_LEASE_SECONDS": "How long a claimed delivery stays with its worker (60).",
    "NOTIFICATIONS_COALESCE_QUIET_SECONDS":
        "Quiet time a channel's check-ins wait for before leaving as one message (3).",
    "NOTIFICATIONS_COALESCE_MAX_SECONDS": "Longest a check-in waits for a burst to end (60).",
    "NOTIFICATIONS_PROGRESS_WAIT_SECONDS":
        "Longest a check-in's Slack messages wait for the goals service's progress figure (10).",
    "NOTIFICATIONS_DIGEST_INTERVAL_SECONDS": "How often the digest jobs look for due digests (60).",
    "NOTIFICATIONS_DIGEST_GRACE_HOURS": "A team digest later than this is skipped (6).",
    "NOTIFICATIONS_PERSONAL_DIGEST_HOUR": "Local hour of members' personal digests (8).",
    "NOTIFICATIONS_SECRET_GRACE_HOURS": "How long a rotated webhook secret still signs "
                                        "deliveries beside the new one (24).",
}


@dataclass(frozen=True)
class NotificationsSettings(Settings):
    slack_signing_secret: str = DEV_SLACK_SIGNING_SECRET
    public_url: str = WEB_APP_URL  # the web app, linked from messages, the feed and mail
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_app_url: str = DEFAULT_URLS["notifications"]
    slack_api_url: str = "https://slack.com/api/"
    slack_authorize_url: str = "https://slack.com/oauth/v2/authorize"
    slack_scopes: tuple[str, ...] = ("chat:write", "im:write", "commands")
    slack_tick_seconds: float = 0.5
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "goalkeeper@localhost"
    smtp_starttls: bool = True
    notifications_public_url: str = ""
    pace_seconds: float = 1.0
    max_attempts: int = 300
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    lease_seconds: float = 60.0
    coalesce_quiet_seconds: float = 3.0
    coalesce_max_seconds: float = 60.0
    progress_wait_seconds: float = 10.0
    digest_interval_seconds: float = 60.0
    digest_grace_hours: float = 6.0
    personal_digest_hour: int = 8
    secret_grace_hours: float = 24.0

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    def secrets(self) -> tuple[Secret, ...]:
        return (*super().secrets(), Secret(
            "SLACK_SIGNING_SECRET", self.slack_signing_secret,
            "your Slack app's Signing Secret (Basic Information page); without Slack, to "
            + RANDOM_SECRET))

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        def seconds(name: str, default: float) -> float:
            return read_float(env, f"NOTIFICATIONS_{name}", default)

        return {
            "slack_signing_secret": env.get("SLACK_SIGNING_SECRET") or cls.slack_signing_secret,
            "public_url": env.get("GOALKEEPER_PUBLIC_URL") or cls.public_url,
            "slack_client_id": env.get("SLACK_CLIENT_ID") or cls.slack_client_id,
            "slack_client_secret": env.get("SLACK_CLIENT_SECRET") or cls.slack_client_secret,
            "slack_app_url": env.get("SLACK_APP_URL") or cls.slack_app_url,
            "slack_api_url": env.get("SLACK_API_URL") or cls.slack_api_url,
            "slack_authorize_url": env.get("SLACK_AUTHORIZE_URL") or cls.slack_authorize_url,
            "slack_scopes": tuple(s.strip() for s in env["SLACK_SCOPES"].split(",") if s.strip())
            if env.get("SLACK_SCOPES") else cls.slack_scopes,
            "slack_tick_seconds": seconds("SLACK_TICK_SECONDS", cls.slack_tick_seconds),
            "smtp_host": env.get("SMTP_HOST", cls.smtp_host).strip(),
            "smtp_port": read_int(env, "SMTP_PORT", cls.smtp_port),
            "smtp_user": env.get("SMTP_USER", cls.smtp_user),
            "smtp_password": env.get("SMTP_PASSWORD", cls.smtp_password),
            "smtp_from": read_sender(env, cls.smtp_from),
            "smtp_starttls": env.get("SMTP_STARTTLS", "true").strip().lower()
            not in ("0", "false", "no", "off"),
            "notifications_public_url": env.get("NOTIFICATIONS_PUBLIC_URL")
            or env.get("GOALKEEPER_PUBLIC_URL") or cls.public_url,
            "pace_seconds": seconds("PACE_SECONDS", cls.pace_seconds),
            "max_attempts": read_int(env, "NOTIFICATIONS_MAX_ATTEMPTS", cls.max_attempts),
            "backoff_base_seconds": seconds("BACKOFF_BASE_SECONDS", cls.backoff_base_seconds),
            "backoff_cap_seconds": seconds("BACKOFF_CAP_SECONDS", cls.backoff_cap_seconds),
            "lease_seconds": seconds("LEASE_SECONDS", cls.lease_seconds),
            "coalesce_quiet_seconds": seconds("COALESCE_QUIET_SECONDS",
                                              cls.coalesce_quiet_seconds),
            "coalesce_max_seconds": seconds("COALESCE_MAX_SECONDS", cls.coalesce_max_seconds),
            "progress_wait_seconds": seconds("PROGRESS_WAIT_SECONDS", cls.progress_wait_seconds),
            "digest_interval_seconds": seconds("DIGEST_INTERVAL_SECONDS",
                                               cls.digest_interval_seconds),
            "digest_grace_hours": read_float(env, "NOTIFICATIONS_DIGEST_GRACE_HOURS",
                                             cls.digest_grace_hours),
            "personal_digest_hour": read_int(env, "NOTIFICATIONS_PERSONAL_DIGEST_HOUR",
                                             cls.personal_digest_hour),
            "secret_grace_hours": read_float(env, "NOTIFICATIONS_SECRET_GRACE_HOURS",
                                             cls.secret_grace_hours),
        }


def read_sender(env: dict[str, str], default: str) -> str:
    """SMTP_FROM as `domain.email.sender_address` reads it; with SMTP set, a process with one
    it cannot read stops at start-up, rather than every mail failing to be written."""
    raw = env.get("SMTP_FROM") or default
    if not env.get("SMTP_HOST", "").strip():
        return raw  # email is off: nothing is sent from it
    try:
        sender_address(raw)
    except ValueError as exc:
        raise ValueError(f"SMTP_FROM must be an address (goalkeeper@example.com) or a name and "
                         f"address (Goalkeeper <goalkeeper@example.com>), got {raw!r}") from exc
    return raw


def load(env: dict[str, str] | None = None) -> NotificationsSettings:
    return NotificationsSettings.from_env("notifications", env)
