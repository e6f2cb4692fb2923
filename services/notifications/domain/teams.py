"""Microsoft Teams Workflows webhooks: which hosts are accepted and what their answers mean.

A team channel of type `teams` posts to the URL of a Power Automate workflow started by "When
a Teams webhook request is received" (Office 365 connectors are retired). Such URLs live on
these hosts (and on hosts listed in GOALKEEPER_WEBHOOK_ALLOWLIST):

- `*.logic.azure.com` (workflows created before the move to Power Platform),
- `*.powerplatform.com` (including `*.environment.api.powerplatform.com`).

Answers: 202 Accepted (or 200) is delivered; 429 (and 503) waits for `Retry-After`; other
5xx and network errors are retried with backoff; 413 fails that message only (the card builder
keeps under the size limit, so this is Teams changing its mind); any other 4xx means the
workflow is gone, disabled or its signature revoked: the channel is disabled and the leads are
told.
"""

from __future__ import annotations

import json

TEAMS_HOST_SUFFIXES = (".logic.azure.com", ".powerplatform.com")
DOCUMENTED_HOSTS = ("*.logic.azure.com", "*.powerplatform.com",
                    "*.environment.api.powerplatform.com")
RETRIED_4XX = (408, 425, 429)
TOO_LARGE = 413


def is_teams_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host.endswith(suffix) and len(host) > len(suffix) for suffix in TEAMS_HOST_SUFFIXES)


def disables_channel(status: int | None) -> bool:
    """A 4xx that no retry can fix: the workflow was deleted, turned off or its URL revoked."""
    return (status is not None and 400 <= status < 500
            and status not in RETRIED_4XX and status != TOO_LARGE)


def fails_message(status: int | None) -> bool:
    """Not retried, but the channel stays: the message itself was refused."""
    return status == TOO_LARGE


def refusal_reason(status: int | None, body: str) -> str:
    """`404 WorkflowNotFound`: the status and the workflow's error code, when it gave one."""
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = body.strip()[:100] or "refused by the workflow"
    return f"{status} {code}"
