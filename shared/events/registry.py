"""The catalogue of event types: one marshmallow schema per type, checked on produce and consume."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from marshmallow import Schema, ValidationError

from shared.events.topics import topic_of_source


class InvalidEvent(Exception):
    """A message that can never be processed: it goes to the dead-letter topic with `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EventType:
    name: str
    schema: type[Schema]
    version: int
    publisher: str

    @cached_property
    def loader(self) -> Schema:
        """One schema instance per type (building one per event cost more than the load)."""
        return self.schema()

    @property
    def topic(self) -> str:
        return topic_of_source(self.publisher)


_REGISTRY: dict[str, EventType] = {}


def event(name: str, *, publisher: str, version: int = 1):
    """Class decorator registering `schema_cls` as the data schema of event type `name`."""

    def register(schema_cls: type[Schema]) -> type[Schema]:
        if name in _REGISTRY:
            raise ValueError(f"event type {name!r} is registered twice")
        _REGISTRY[name] = EventType(name, schema_cls, version, publisher)
        return schema_cls

    return register


def lookup(name: str) -> EventType | None:
    _load_catalog()
    return _REGISTRY.get(name)


def all_types() -> dict[str, EventType]:
    _load_catalog()
    return dict(_REGISTRY)


def load(name: str, data: object) -> dict:
    """Return `data` loaded by the schema of `name` (timestamps as aware datetimes).

    Raises InvalidEvent when the type is unknown or the data does not fit its schema.
    """
    event_type = lookup(name)
    if event_type is None:
        raise InvalidEvent(f"unknown event type {name!r}")
    if not isinstance(data, dict):
        raise InvalidEvent(f"{name}: data must be a JSON object")
    try:
        return event_type.loader.load(data)
    except ValidationError as exc:
        raise InvalidEvent(f"{name}: invalid data {exc.messages}") from exc


def validate(name: str, data: object) -> dict:
    """Return `data` checked by the schema of `name` and dumped to JSON-ready values."""
    return lookup(name).loader.dump(load(name, data))


def _load_catalog() -> None:
    import shared.events.catalog  # noqa: F401  (registers every schema on import)
