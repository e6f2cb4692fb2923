"""Refuse text no database can store, in a JSON body, a query or a path, before any view runs.

Lone UTF-16 surrogates ("\\ud800") are valid JSON escapes but not Unicode text, and NUL is
refused by PostgreSQL: either would otherwise surface as a 500 from the database layer.
"""

from __future__ import annotations

from flask import request

from shared.domain import Unprocessable


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
        reason = _unstorable(value)
        if reason:
            problems[path or "_schema"] = [reason]
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), problems)


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "Must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text (no unpaired surrogates)."
    return None
