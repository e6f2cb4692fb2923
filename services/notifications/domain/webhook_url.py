"""Which webhook URLs a team may register: Slack's own host over https, or allow-listed hosts."""

from __future__ import annotations

from urllib.parse import urlsplit

from shared.domain import Unprocessable

SLACK_HOST = "hooks.slack.com"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def validate_webhook_url(url: str, allowlist: tuple[str, ...], *, field: str = "webhook_url") -> str:
    """Return `url` when acceptable, else raise a 422 that says why."""

    def refuse(reason: str) -> Unprocessable:
        return Unprocessable(f"{field}: {reason}", errors={field: [reason]})

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        raise refuse("Not a valid URL.") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise refuse("Must be an absolute https URL.")
    if parts.username or parts.password:
        raise refuse("Must not contain credentials.")
    allowed = host == SLACK_HOST or host in allowlist
    if not allowed:
        raise refuse(f"Host {host!r} is not allowed; use https://{SLACK_HOST}/... "
                     "or a host listed in GOALKEEPER_WEBHOOK_ALLOWLIST.")
    if parts.scheme == "http" and not (host in LOOPBACK_HOSTS and host in allowlist):
        raise refuse("Must use https (plain http only for an allow-listed loopback host).")
    return url
