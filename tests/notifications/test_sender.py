"""The HTTP sender against a local Slack-like server: no redirects, capped reads, timeouts."""

from __future__ import annotations

import time

from services.notifications.adapters.webhook_client import MAX_RESPONSE_BYTES, WebhookClient
from tests.support.slack_server import Reply

ALLOW = ("127.0.0.1",)


def test_redirects_are_not_followed(slack):
    slack.reply_with(Reply(302, "", {"Location": slack.webhook("elsewhere")}))
    result = WebhookClient(allowlist=ALLOW).post(slack.webhook(), {"text": "hi"})
    assert result.status == 302
    assert "not followed" in result.error
    assert len(slack.received) == 1


def test_response_bodies_are_read_only_up_to_the_cap(slack):
    slack.reply_with(Reply(500, "x" * (5 * MAX_RESPONSE_BYTES)))
    result = WebhookClient(allowlist=ALLOW).post(slack.webhook(), {"text": "hi"})
    assert result.status == 500
    assert len(result.body) == MAX_RESPONSE_BYTES


def test_a_slow_server_times_out(slack):
    slack.reply_with(Reply(delay=5.0))
    started = time.monotonic()
    result = WebhookClient(read_timeout=0.3, allowlist=ALLOW).post(slack.webhook(), {"t": 1})
    assert result.status is None
    assert "Timeout" in result.error
    assert time.monotonic() - started < 5.0  # it gave up before the server answered


def test_hosts_resolving_to_internal_addresses_are_refused_unless_allow_listed(slack):
    result = WebhookClient(allowlist=()).post(f"http://localhost:{slack.url.rsplit(':', 1)[1]}/x",
                                              {"t": 1})
    assert result.status is None
    assert "internal address" in result.error
    assert slack.received == []


def test_addresses_no_public_host_has_are_refused_before_connecting():
    """100.64.0.0/10 (carrier-grade NAT) and fec0::/10 (site-local) passed as public: the
    sender connected to them."""
    for url in ("http://100.64.0.1:9/x", "http://[fec0::1]:9/x"):
        result = WebhookClient(connect_timeout=0.5, allowlist=()).post(url, {"t": 1})
        assert result.status is None
        assert "resolves to internal address" in result.error, (url, result.error)
