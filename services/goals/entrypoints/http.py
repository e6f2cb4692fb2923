"""Request-level helpers the views share: a goal's version is its strong ETag, `"<version>"`,
sent on every goal response and expected back in If-Match before an edit."""

from __future__ import annotations

import json
import re

from flask import Response, request

from services.goals.domain.goal import Goal
from services.goals.entrypoints.goal_schemas import present_goal
from services.goals.service_layer.goal_handlers import GoalRead
from shared.domain import PreconditionFailed, PreconditionRequired
from shared.idempotency import Once, SavedResponse, replayed

IF_MATCH_DOC = {
    "parameters": [{"in": "header", "name": "If-Match", "required": True,
                    "schema": {"type": "string"},
                    "description": "The ETag of the goal as last read, e.g. \"3\"."}],
    "responses": {"412": {"description": "The goal changed since it was read."},
                  "428": {"description": "If-Match is missing."}},
}


def expected_version() -> int | None:
    """The version If-Match names; None for `*`. 428 when absent, 412 when unparseable."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired("send If-Match with the ETag from your last GET of the goal")
    if header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', header)
    if match is None:
        raise PreconditionFailed("If-Match does not match the goal's ETag")
    return int(match.group(1))


def etag(goal: Goal) -> dict[str, str]:
    """The ETag header of a response carrying `goal`."""
    return {"ETag": f'"{goal.version}"'}


def replayed_goal(saved: SavedResponse) -> Response:
    """The first answer of a goal's creation or move, replayed with its ETag: the version the saved
    goal has (a retry's If-Match then works as the first answer's would)."""
    return replayed(saved, {"ETag": f'"{json.loads(saved.body)["version"]}"'})


def answered_goal(once: Once[GoalRead], status: int):
    """A goal made or moved under an idempotency key: the goal with its ETag and `status`, or
    the first answer under the request's key (`replayed_goal`)."""
    if once.replayed:
        return replayed_goal(once.replayed)
    return present_goal(once.made), status, etag(once.made.goal)
