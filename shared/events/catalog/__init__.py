"""Importing this package registers every event schema. One module per publishing service."""

from shared.events.catalog import checkins, goals, notifications  # noqa: F401
