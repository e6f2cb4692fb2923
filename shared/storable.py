"""Text no database can store: lone UTF-16 surrogates ("\\ud800") are valid JSON escapes but
not Unicode text, and NUL is refused by PostgreSQL; either would otherwise surface as an error
from the database layer. Checked at the edge: JSON bodies, queries and paths by
`shared.text_guard`; Slack's forms where they are read (the notifications service's Slack
schemas and its slash command)."""

from __future__ import annotations


def unstorable(text: str) -> str | None:
    """Why no database can store `text` ("Must not contain NUL characters."), or None."""
    if "\x00" in text:
        return "Must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text (no unpaired surrogates)."
    return None
