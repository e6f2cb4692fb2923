"""The web app's one table: its sessions (the bearer token stays here, never in the cookie)."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

from shared.db import UtcDateTime

metadata = MetaData()

web_sessions = Table(
    "web_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 of the cookie's session id
    Column("token", Text, nullable=False),
    Column("member", Text, nullable=False),  # JSON: id, team_id, name, role, timezone, read_at
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
