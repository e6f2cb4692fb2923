"""Poison messages and the check that the dead-letter topics hold exactly them.

Two kinds per topic, both keyed by the seeded team (so they sit in the partition its live
events use): bytes that are no CloudEvent at all, and a CloudEvent of a type the topic carries
whose data breaks its schema. Each consumer of the topic must dead-letter each poison message
once, with a reason; nothing else may reach a dead-letter topic.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from shared.events.envelope import Event, to_message
from shared.events.registry import all_types
from tests.faults.topic_tail import TopicTail


@dataclass(frozen=True)
class Poison:
    topic: str  # logical
    physical_topic: str
    marker: str  # unique text inside the value: how its dead letter is recognised
    value: bytes
    headers: list[tuple[str, bytes]]
    key: bytes
    reason_mentions: str  # a word the dead letter's reason must contain


def poison_for(stack, topic: str) -> list[Poison]:
    key = stack.seeded_team_id.encode()
    physical = f"{stack.prefix}{topic}"
    garbage = f"poison-{uuid.uuid4()}"
    poison = [Poison(topic, physical, garbage, b"\x00" + garbage.encode() + b"\xff", [], key,
                     "CloudEvent")]
    carried = [name for name, t in all_types().items() if t.topic == topic]
    if carried:
        marker = f"poison-{uuid.uuid4()}"
        event = Event(type=carried[0], team_id=stack.seeded_team_id, data={"poison": marker},
                      subject=None, source="/goalkeeper/faults")
        message = to_message(event)
        poison.append(Poison(topic, physical, marker, message.value,
                             list(message.headers.items()), key, ""))
    return poison


@dataclass
class DeadLetterReport:
    expected: int = 0
    found: int = 0
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # unexpected, doubled, or without a reason
    absent: list[str] = field(default_factory=list)  # topics with no dead-letter topic at all

    @property
    def summary(self) -> str:
        return f"{self.found}/{self.expected}"


def dead_letter_report(stack, poison: list[Poison]) -> DeadLetterReport:
    """Compare every `<topic>.dlq` with the poison each consumer of `topic` must dead-letter."""
    report = DeadLetterReport()
    topics = {p.topic for p in poison} | {"goals.events", "checkins.events",
                                          "checkins.commands", "notifications.events"}
    for topic in sorted(topics):
        tail = TopicTail(stack.broker.bootstrap, f"{stack.prefix}{topic}.dlq")
        try:
            letters = tail.read_to_end()
        finally:
            tail.close()
        if tail.absent:
            report.absent.append(topic)
        mine = [p for p in poison if p.topic == topic]
        consumers = stack.consumers_of(topic)
        report.expected += len(mine) * len(consumers)
        report.found += len(letters)
        copies: Counter = Counter()
        for letter in letters:
            match = next((p for p in mine if p.marker.encode() in letter.value), None)
            consumer = letter.headers.get("dlq.consumer", "")
            if match is None:
                report.wrong.append(f"{topic}.dlq holds a message that is no poison: "
                                    f"{letter.value[:80]!r} ({letter.headers.get('dlq.reason')})")
                continue
            copies[(match.marker, consumer)] += 1
            reason = letter.headers.get("dlq.reason", "")
            if not reason or match.reason_mentions not in reason:
                report.wrong.append(f"{topic}.dlq {match.marker} by {consumer}: reason "
                                    f"{reason!r} does not say {match.reason_mentions!r}")
        for p in mine:
            for service in consumers:
                consumer = f"{service}-consumer"
                n = copies[(p.marker, consumer)]
                if n == 0:
                    report.missing.append(f"{topic}: {p.marker} not dead-lettered by {consumer}"
                                          f" ({len(letters)} letters read)")
                elif n > 1:
                    report.wrong.append(f"{topic}: {p.marker} dead-lettered {n} times by "
                                        f"{consumer}")
    report.wrong += report.missing
    return report
