"""Which webhook URLs a team may register (server-side request forgery guard).

Accepted: `https://hooks.slack.com/...` (Slack and signed webhooks), a Teams Workflows host
(`*.logic.azure.com`, `*.powerplatform.com`; see `domain.teams`) for a `teams` channel, or a
host listed in GOALKEEPER_WEBHOOK_ALLOWLIST.
IP literals that are not public internet addresses (`is_internal`) are refused unless that
exact address is allow-listed, including the sneaky spellings (`2130706433`, `0x7f.1`,
`::ffff:127.0.0.1`). Plain http is only for an allow-listed loopback host (local runs, tests).
A host name must be one a resolver takes (no empty label, none over 63 characters).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from services.notifications.domain.teams import DOCUMENTED_HOSTS, is_teams_host
from shared.domain import Unprocessable

SLACK_HOST = "hooks.slack.com"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `host` spells, in any notation a resolver accepts, or None for a name."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not a public internet address: every address `ipaddress` does not call global (private,
    loopback, link-local, unspecified, carrier-grade NAT's 100.64.0.0/10, documentation and
    benchmarking ranges...), and those Python 3.11 calls global though none is a host on the
    internet: multicast, reserved, and IPv6 site-local (fec0::/10)."""
    return (not address.is_global or address.is_multicast or address.is_reserved
            or getattr(address, "is_site_local", False))


def validate_webhook_url(url: str, allowlist: tuple[str, ...], *,
                         field: str = "webhook_url", kind: str = "slack") -> str:
    """Return `url` when acceptable for a channel of type `kind`, else raise a 422 that says
    why."""

    def refuse(reason: str) -> Unprocessable:
        return Unprocessable(f"{field}: {reason}", errors={field: [reason]})

    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        raise refuse("Not a valid URL.") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise refuse("Must be an absolute https URL.")
    if parts.username or parts.password:
        raise refuse("Must not contain credentials.")
    address = ip_literal(host)
    if address is not None and is_internal(address) and host not in allowlist:
        raise refuse(f"Address {host!r} is internal (not a public internet address); "
                     "only allow-listed addresses may be used.")
    if address is None and not is_host_name(host):
        raise refuse("Not a valid host name (a label is empty or longer than 63 characters).")
    if host not in allowlist and not known_host(kind, host):
        raise refuse(f"Host {host!r} is not allowed; use {_expected(kind)} "
                     "or a host listed in GOALKEEPER_WEBHOOK_ALLOWLIST.")
    if parts.scheme == "http" and not (host in LOOPBACK_HOSTS and host in allowlist):
        raise refuse("Must use https (plain http only for an allow-listed loopback host).")
    return url.strip()


def is_host_name(host: str) -> bool:
    """A name a resolver takes: labels of 1 to 63 characters once IDNA-encoded."""
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def known_host(kind: str, host: str) -> bool:
    """A host the channel type's service uses for its webhooks."""
    return is_teams_host(host) if kind == "teams" else host == SLACK_HOST


def _expected(kind: str) -> str:
    if kind == "teams":
        return "a Teams workflow URL (https://" + ", https://".join(DOCUMENTED_HOSTS[:2]) + ")"
    return f"https://{SLACK_HOST}/..."
