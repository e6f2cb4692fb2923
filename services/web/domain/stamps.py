"""Stamps of what a part of a page is drawn from, which the part's refresh sends back: while
the stamp is the same, so is the drawing, and the refresh answers nothing."""

from __future__ import annotations

import hashlib
import json


def stamp(seen: list) -> str:
    """A short digest of `seen`: the same stamp means the same things seen."""
    return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode()).hexdigest()[:20]
