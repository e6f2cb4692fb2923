"""The CloudEvents 1.0 envelope and its Kafka binary-mode binding (via the `cloudevents` SDK).

A message on any Goalkeeper topic has `ce_*` headers (id, source, type, time, subject,
specversion, teamid, schemaversion), `content-type: application/json`, key = team id, and the
event data as the JSON value.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cloudevents.v1.http import CloudEvent
from cloudevents.v1.kafka import KafkaMessage, from_binary, to_binary

from shared.events.registry import InvalidEvent, load, lookup, validate
from shared.json_codec import loads as json_loads

REQUIRED_ATTRIBUTES = ("id", "source", "type", "specversion", "teamid")


@dataclass(frozen=True)
class Event:
    """One event as the domain sees it; `data` is validated against its type's schema.

    Produced events carry `data` as JSON-ready values; consumed ones carry it as the schema loads
    it, so timestamps arrive as aware datetimes and no handler parses text.
    """

    type: str
    team_id: str
    data: dict
    subject: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    source: str = "/goalkeeper"
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    schema_version: int = 1

    @classmethod
    def new(cls, type: str, team_id: str, data: dict, *, subject: str | None, source: str) -> Event:
        """Build an event, validating `data` against the registered schema (produce-side check)."""
        event_type = lookup(type)
        if event_type is None:
            raise InvalidEvent(f"unknown event type {type!r}")
        return cls(
            type=type,
            team_id=str(team_id),
            data=validate(type, data),
            subject=subject,
            source=source,
            schema_version=event_type.version,
        )


def to_message(event: Event) -> KafkaMessage:
    cloud_event = CloudEvent.create(
        {
            "id": event.id,
            "source": event.source,
            "type": event.type,
            "time": event.time,
            "subject": event.subject,
            "datacontenttype": "application/json",
            "teamid": event.team_id,
            "schemaversion": str(event.schema_version),
            "partitionkey": event.team_id,
        },
        event.data,
    )
    return to_binary(cloud_event, data_marshaller=_dumps)


def from_kafka(headers: Iterable[tuple[str, bytes]], key: bytes | None, value: bytes) -> Event:
    """Decode and validate a consumed message (consume-side check), or raise InvalidEvent."""
    header_map = {name: raw for name, raw in headers or () if raw is not None}
    missing = [a for a in REQUIRED_ATTRIBUTES if f"ce_{a}" not in header_map]
    if missing:
        raise InvalidEvent(
            f"not a CloudEvent: missing headers {', '.join('ce_' + m for m in missing)}"
        )
    try:
        cloud_event = from_binary(
            KafkaMessage(header_map, key, value), data_unmarshaller=json_loads
        )
    except Exception as exc:  # the SDK raises several types for undecodable input
        raise InvalidEvent(f"undecodable CloudEvent: {exc}") from exc
    attributes = cloud_event.get_attributes()
    if attributes.get("specversion") != "1.0":
        raise InvalidEvent(f"unsupported specversion {attributes.get('specversion')!r}")
    event_type = attributes["type"]
    known = lookup(event_type)
    data = cloud_event.get_data()
    if known is not None:
        data = load(event_type, data)
    return Event(
        type=event_type,
        team_id=attributes["teamid"],
        data=data if isinstance(data, dict) else {},
        subject=attributes.get("subject"),
        id=attributes["id"],
        source=attributes["source"],
        time=attributes.get("time") or "",
        schema_version=_schema_version(attributes.get("schemaversion")),
    )


def _schema_version(raw: str | None) -> int:
    try:
        return int(raw or 1)
    except ValueError as exc:
        raise InvalidEvent(f"schemaversion must be an integer, got {raw!r}") from exc


def _dumps(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
