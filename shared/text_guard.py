"""Refuse text no database can store (`shared.storable`), in a JSON body, a query or a path,
before any view runs."""

from __future__ import annotations

from flask import request

from shared.domain import Unprocessable
from shared.storable import unstorable


def refuse_unstorable_text() -> None:
    """Raise Unprocessable naming every body field, query parameter or path segment whose
    text no database can store."""
    problems: dict[str, list[str]] = {}
    for name, value in (request.view_args or {}).items():
        _walk(value, name, problems)
    for name, value in request.args.items(multi=True):
        _walk(value, name, problems)
    if request.is_json and request.content_length != 0:
        body = request.get_json(silent=True)  # malformed JSON is the view's 400 to give
        _walk(body, "", problems)
    if problems:
        raise Unprocessable("Invalid fields: " + ", ".join(sorted(problems)), errors=problems)


def _walk(value: object, path: str, problems: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        reason = unstorable(value)
        if reason:
            problems[path or "_schema"] = [reason]
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), problems)
