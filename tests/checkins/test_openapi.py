"""The checkins API's OpenAPI document, as a client's developer reads it."""

from __future__ import annotations

METHODS = ("get", "put", "post", "patch", "delete")


def test_every_operation_says_what_it_does(checkins):
    """Reading a member's pairing opt-out, a round, the pairing schedule and deleting it had
    no summary: the document (and the README's endpoint table built from it) left them blank."""
    paths = checkins.client.get("/openapi.json").json["paths"]

    unsaid = [f"{method.upper()} {path}" for path, operations in paths.items()
              for method, operation in operations.items()
              if method in METHODS and not operation.get("summary", "").strip()]

    assert unsaid == []
