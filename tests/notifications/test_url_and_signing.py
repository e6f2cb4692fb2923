"""Webhook URL rules (server-side request forgery) and outgoing webhook signatures."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from services.notifications.domain.signing import signature, signed_headers, verify
from services.notifications.domain.webhook_url import validate_webhook_url
from shared.domain import Unprocessable

ALLOW = ("127.0.0.1", "hooks.example.com")


@pytest.mark.parametrize("url", [
    "https://hooks.slack.com/services/T/B/X",
    "https://hooks.example.com/in",
    "http://127.0.0.1:8080/services/x",
])
def test_slack_and_allow_listed_urls_are_accepted(url):
    assert validate_webhook_url(url, ALLOW) == url


@pytest.mark.parametrize(("url", "why"), [
    ("https://169.254.169.254/latest/meta-data", "internal"),
    ("https://10.0.0.7/hook", "internal"),
    ("https://[::1]/hook", "internal"),
    ("https://[::ffff:127.0.0.2]/hook", "internal"),
    ("https://2130706433/hook", "internal"),
    ("https://0x7f.1/hook", "internal"),
    ("https://100.64.0.1/hook", "internal"),  # carrier-grade NAT, the provider's network
    ("https://[::ffff:100.127.255.254]/hook", "internal"),
    ("https://[fec0::1]/hook", "internal"),  # IPv6 site-local
    ("https://evil.example.com/hook", "not allowed"),
    ("http://hooks.example.com/in", "https"),
    ("ftp://hooks.slack.com/x", "absolute https"),
    ("https://user:pw@hooks.slack.com/x", "credentials"),
    ("https://hooks.slack.com:99999/x", "valid URL"),
])
def test_internal_foreign_and_odd_urls_are_refused_with_a_reason(url, why):
    with pytest.raises(Unprocessable) as refused:
        validate_webhook_url(url, ALLOW)
    assert why in refused.value.errors["webhook_url"][0]


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"type":"goal.achieved"}'
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1767225600, body) == f"v1={expected}"


def test_receiver_verification_accepts_fresh_and_refuses_stale_tampered_or_unsigned():
    body = b'{"a":1}'
    headers = signed_headers("s3cret", 1000, body)
    assert verify("s3cret", headers, body, now=1100)
    assert not verify("s3cret", headers, body, now=1000 + 301)
    assert not verify("s3cret", headers, b'{"a":2}', now=1100)
    assert not verify("other", headers, body, now=1100)
    assert not verify("s3cret", {}, body, now=1100)
