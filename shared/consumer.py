"""The consumer runner: poll a batch, handle it in one transaction, commit offsets after.

- Bulk first: every record of the poll runs in the batch's one transaction with no savepoint,
  and the inbox ids of the batch are inserted in one statement (the handlers' outbox rows are
  written together by the unit of work's commit). Batching per poll is what makes consumers fast.
- On any failure (a handler raising, a statement or the commit refused) the bulk pass is rolled
  back whole and the batch is redone record by record, each in a savepoint of one transaction,
  so one failing record does not undo the others: one effect per event either way. The record
  that failed in bulk is not run twice in one poll (its failure counts as that attempt).
- Offsets are committed by hand, after the database commit, as the offset of the next message:
  at most every `commit_interval` seconds, and always on partition revocation and on close.
  A crash redelivers at most that much; the inbox makes redelivery a no-op.
- The inbox table (event ids) is written in the batch's transaction: redelivery is a no-op.
- "Retry later" errors (database or broker trouble, `RetryLater`) pause only the record's
  partition: it is sought back to the record and resumed when its backoff is over, while the
  other partitions keep flowing. Nothing is skipped.
- Invalid messages (undecodable, schema-invalid, or failing `max_attempts` times) go to
  `<topic>.dlq` with the reason in headers, and the partition moves on. The dead letter is
  recorded in the inbox in the batch's transaction and produced only after that commit, so a
  batch that fails to commit never dead-letters twice (see `DEAD_LETTER`).
- `stop` set (SIGTERM) finishes the current batch, commits and closes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kafka import AsyncConsumerRebalanceListener, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)

from shared.events.envelope import Event, from_kafka
from shared.events.registry import InvalidEvent
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], None]

# Inbox rows of dead-lettered records have this prefix before their event type. A record found
# so on redelivery (a crash between the database commit and the DLQ produce) is produced to the
# DLQ again: dead letters are at least once across crashes, never twice from a failed commit.
# Every dead letter carries `dlq.id` (its inbox id), the key for a reader that must dedupe.
DEAD_LETTER = "dlq:"
_POSITION_IDS = uuid.UUID("5d1e0c4a-8f0b-4d55-9a8e-6b7f2f4e1c01")

# How long one poll blocks when nothing has arrived. Not a latency: a fetch answers as soon as
# one record is there (fetch.min.bytes = 1), so this only paces an idle loop's checks of `stop`,
# due offset commits and partitions whose retry pause is over (the poll is cut short for those).
POLL_TIMEOUT_MS = 500


class RetryLater(Exception):
    """Raised by a handler when the event cannot be handled yet but will be later."""


TRANSIENT = (RetryLater, OperationalError, InterfaceError, DisconnectionError, KafkaError)


@dataclass
class ConsumerStats:
    handled: int = 0
    skipped: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retries: int = 0
    last_error: str | None = None
    batches: int = 0
    fallbacks: int = 0  # batches redone record by record after their bulk pass failed
    commits: int = 0

    def add(self, other: ConsumerStats) -> None:
        self.handled += other.handled
        self.skipped += other.skipped
        self.duplicates += other.duplicates


class RetryAttempts:
    """Failures per record, for at most `limit` records: the least recently failed is forgotten
    first, and a record is forgotten as soon as it is handled or dead-lettered."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._counts: OrderedDict[Hashable, int] = OrderedDict()

    def failed(self, key: Hashable) -> int:
        """Count one more failure of `key`; returns its failures so far."""
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count
        while len(self._counts) > self.limit:
            self._counts.popitem(last=False)
        return count

    def forget(self, key: Hashable) -> None:
        self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._counts


@dataclass(frozen=True)
class DeadLetter:
    record: object
    reason: str
    dlq_id: str


@dataclass
class Batch:
    """What one pass over a poll's records leaves for its commit and for after it."""

    counted: ConsumerStats = field(default_factory=ConsumerStats)
    inbox_rows: list[dict] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    finished: list[Hashable] = field(default_factory=list)  # records whose failures to forget
    failures: int = 0

    def handled(self, record, event: Event, seen: dict[str, str]) -> None:
        self.inbox_rows.append(inbox_row(event.id, event.type))
        seen[event.id] = event.type
        self.counted.handled += 1
        self.finished.append(record_key(record))


class BulkFailed(Exception):
    """The bulk pass failed at record `index` (None: at the commit) with `error`."""

    def __init__(self, index: int | None, error: BaseException):
        super().__init__(index, error)
        self.index = index
        self.error = error


def position_id(record) -> str:
    """A stable inbox id for a record that has no usable event id (an invalid message)."""
    return str(uuid.uuid5(_POSITION_IDS, f"{record.topic}/{record.partition}/{record.offset}"))


def _decode(record) -> Event | InvalidEvent:
    try:
        return from_kafka(record.headers, record.key, record.value)
    except InvalidEvent as exc:
        return exc


def record_key(record) -> Hashable:
    return (record.topic, record.partition, record.offset)


def inbox_row(event_id: str, event_type: str) -> dict:
    return {"event_id": event_id, "event_type": event_type, "processed_at": datetime.now(UTC)}


class ConsumerRunner(AsyncConsumerRebalanceListener):
    def __init__(
        self,
        *,
        name: str,
        topics: list[str],
        handlers: dict[str, Handler],
        uow_factory: Callable[[], UnitOfWork],
        inbox: Table,
        consumer_factory: Callable[[], object],
        producer_factory: Callable[[], object],
        max_attempts: int = 5,
        backoff_base: float = 0.2,
        backoff_max: float = 10.0,
        poll_timeout_ms: int = POLL_TIMEOUT_MS,
        unassigned_grace: float = 15.0,
        commit_interval: float = 1.0,
        attempts_limit: int = 10_000,
        prefetch: Callable[[list[Event], UnitOfWork], None] | None = None,
    ):
        self.name = name
        self.prefetch = prefetch
        self.topics = topics
        self.handlers = handlers
        self.uow_factory = uow_factory
        self.inbox = inbox
        self.consumer_factory = consumer_factory
        self.producer_factory = producer_factory
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.poll_timeout_ms = poll_timeout_ms
        self.unassigned_grace = unassigned_grace
        self.commit_interval = commit_interval
        self.attempts = RetryAttempts(attempts_limit)
        self._unassigned_since: float | None = None
        self.stats = ConsumerStats()
        self._consumer = None
        self._producer = None
        self._pending: dict[TopicPartition, int] = {}
        self._last_commit = time.monotonic()
        self._paused: dict[TopicPartition, float] = {}  # partition -> when to resume it
        self._partition_backoff: dict[TopicPartition, float] = {}
        self._backoff = backoff_base
        self._stop = threading.Event()

    # -- the loop -------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        self._stop = stop
        while not stop.is_set():
            try:
                self._ensure_consumer()
                self.run_once()
            except KafkaError as exc:
                log.warning("%s: broker trouble, reconnecting: %s", self.name, exc)
                self._close_consumer()
                stop.wait(self._next_backoff())
            except Exception:  # the poll advanced past records not committed: start over
                log.exception("%s: unexpected failure, resubscribing", self.name)
                self._close_consumer()
                stop.wait(self._next_backoff())
        self.close()

    def run_once(self) -> int:
        """Poll one batch, handle it in one transaction, commit offsets when due.

        Returns the records seen."""
        self._resume_due()
        batch = self._consumer.poll(timeout_ms=self._poll_timeout_ms())
        self._watch_assignment()
        records = [record for partition in batch.values() for record in partition]
        if records:
            self.stats.batches += 1
            done, retry_from = self._process_batch(records)
            self._pending.update(done)
            for tp in done.keys() - retry_from.keys():
                self._partition_backoff.pop(tp, None)
            for tp, offset in retry_from.items():
                self._retry_later(tp, offset)
            self._backoff = self.backoff_base
        if time.monotonic() - self._last_commit >= self.commit_interval:
            self._commit()
        return len(records)

    def close(self) -> None:
        self._close_consumer()
        if self._producer is not None:
            self._producer.close(timeout=2)
            self._producer = None

    # -- one batch: in bulk, or record by record when that fails ----------------------------
    def _process_batch(self, records: list) -> tuple[dict, dict]:
        """Returns (next offset per finished partition, offset to retry from per partition)."""
        try:
            return self._in_bulk(records)
        except BulkFailed as exc:
            failure = exc
        self.stats.retries += 1
        self.stats.fallbacks += 1
        self.stats.last_error = repr(failure.error)
        log.info("%s: batch of %d redone record by record: %r", self.name, len(records),
                 failure.error)
        try:
            return self._one_by_one(records, failure)
        except (*TRANSIENT, IntegrityError, PendingRollbackError) as exc:  # redo the batch
            self.stats.retries += 1
            self.stats.last_error = repr(exc)
            log.warning("%s: batch commit failed, will be retried: %r", self.name, exc)
            first: dict[TopicPartition, int] = {}
            for record in records:
                first.setdefault(TopicPartition(record.topic, record.partition), record.offset)
            return {}, first

    def _in_bulk(self, records: list) -> tuple[dict, dict]:
        """The happy path: every handler in the batch's one transaction, no savepoints, the
        inbox ids in one statement. Any failure rolls it all back (`BulkFailed`)."""
        batch = Batch()
        index: int | None = None
        try:
            with self.uow_factory() as uow:
                seen = self._processed_ids(uow, records)
                decoded = [_decode(record) for record in records]
                if self.prefetch is not None:  # e.g. lock the batch's rows in one statement
                    self.prefetch([e for e in decoded if isinstance(e, Event)], uow)
                for index, record in enumerate(records):  # noqa: B007 (read by the except)
                    event = self._to_handle(record, seen, batch, decoded[index])
                    if event is not None:
                        self.handlers[event.type](event, uow)
                        batch.handled(record, event, seen)
                index = None
                self._write_inbox(uow, batch)
                uow.commit()
        except Exception as exc:  # a handler or the commit failed: nothing of the batch stays
            raise BulkFailed(index, exc) from exc
        done = {TopicPartition(r.topic, r.partition): r.offset + 1 for r in records}
        return self._finish(batch, done, {})

    def _one_by_one(self, records: list, failure: BulkFailed) -> tuple[dict, dict]:
        """The fallback: each handler in a savepoint of the batch's transaction, so one failing
        record does not undo the others. The record that failed in bulk is not run again while
        everything before it went as in bulk: its failure is taken as this attempt's."""
        done: dict[TopicPartition, int] = {}
        retry_from: dict[TopicPartition, int] = {}
        batch = Batch()
        with self.uow_factory() as uow:
            seen = self._processed_ids(uow, records)
            for index, record in enumerate(records):
                tp = TopicPartition(record.topic, record.partition)
                if tp in retry_from:
                    continue  # keep the partition's order: nothing after a retry
                known = failure.error if index == failure.index and not batch.failures else None
                if self._process(uow, record, seen, batch, known):
                    done[tp] = record.offset + 1
                else:
                    retry_from[tp] = record.offset
            self._write_inbox(uow, batch)
            uow.commit()
        return self._finish(batch, done, retry_from)

    def _finish(self, batch: Batch, done: dict, retry_from: dict) -> tuple[dict, dict]:
        """After the commit: count, forget the finished records' failures, dead-letter."""
        self.stats.add(batch.counted)
        for key in batch.finished:
            self.attempts.forget(key)
        for tp, offset in self._send_dead_letters(batch.dead).items():
            done[tp] = min(done.get(tp, offset), offset)
            retry_from[tp] = offset
        return done, retry_from

    def _processed_ids(self, uow: UnitOfWork, records: list) -> dict[str, str]:
        """Inbox rows (id -> type) of the batch's events and of its possible dead letters."""
        ids = [
            value.decode(errors="replace")
            for r in records
            for name, value in r.headers or ()
            if name == "ce_id" and value is not None
        ] + [position_id(r) for r in records]
        rows = uow.session.execute(
            select(self.inbox.c.event_id, self.inbox.c.event_type).where(
                self.inbox.c.event_id.in_(ids)
            )
        )
        return {row.event_id: row.event_type for row in rows}

    def _write_inbox(self, uow: UnitOfWork, batch: Batch) -> None:
        """The batch's handled ids and dead-letter markers, in one statement."""
        if batch.inbox_rows:
            uow.session.execute(insert(self.inbox), batch.inbox_rows)

    def _to_handle(self, record, seen: dict[str, str], batch: Batch,
                   decoded: Event | InvalidEvent | None = None) -> Event | None:
        """The record's event when its handler is to run; None when the record is done with
        already (undecodable, of a type nobody handles, or a duplicate)."""
        event = decoded or _decode(record)
        if isinstance(event, InvalidEvent):
            self._dead_letter(record, position_id(record), "invalid", event.reason, seen, batch)
            return None
        if event.type not in self.handlers:
            batch.counted.skipped += 1
            return None
        if event.id in seen:
            if seen[event.id].startswith(DEAD_LETTER):
                reason = "redelivered after being dead-lettered (first reason in the earlier copy)"
                self._dead_letter(record, event.id, event.type, reason, seen, batch)
            else:
                batch.counted.duplicates += 1
                batch.finished.append(record_key(record))
            return None
        return event

    def _process(
        self, uow: UnitOfWork, record, seen: dict[str, str], batch: Batch,
        known: BaseException | None = None,
    ) -> bool:
        """True when the record is done with (handled, skipped or dead-lettered); `known` is
        this record's failure in the bulk attempt, taken instead of running it again."""
        event = self._to_handle(record, seen, batch)
        if event is None:
            return True
        key = record_key(record)
        try:
            with uow.savepoint():
                if known is not None:
                    raise known
                self.handlers[event.type](event, uow)
        except InvalidEvent as exc:
            batch.failures += 1
            batch.finished.append(key)
            return self._dead_letter(record, event.id, event.type, exc.reason, seen, batch)
        except TRANSIENT as exc:
            batch.failures += 1
            self.stats.retries += 1
            self.stats.last_error = repr(exc)
            log.warning("%s: %s %s will be retried: %r", self.name, event.type, event.id, exc)
            return False
        except Exception as exc:  # a handler bug or unexpected data: retried, then dead-lettered
            batch.failures += 1
            attempts = self.attempts.failed(key)
            self.stats.last_error = repr(exc)
            log.exception("%s: %s %s failed (%d)", self.name, event.type, event.id, attempts,
                          exc_info=exc)
            if attempts >= self.max_attempts:
                batch.finished.append(key)
                reason = f"handler failed {attempts} times: {exc!r}"
                return self._dead_letter(record, event.id, event.type, reason, seen, batch)
            self.stats.retries += 1
            return False
        batch.handled(record, event, seen)
        return True

    # -- dead letters: recorded in the batch's transaction, produced after its commit ------
    def _dead_letter(
        self, record, dlq_id: str, event_type: str, reason: str, seen: dict[str, str],
        batch: Batch,
    ) -> bool:
        if dlq_id not in seen:
            marker = f"{DEAD_LETTER}{event_type}"[:100]
            batch.inbox_rows.append(inbox_row(dlq_id, marker))
            seen[dlq_id] = marker
        batch.dead.append(DeadLetter(record, reason, dlq_id))
        return True

    def _send_dead_letters(self, dead: list[DeadLetter]) -> dict[TopicPartition, int]:
        """Produce the committed batch's dead letters; returns, per partition, the offset of the
        first one that could not be produced (that partition is retried from it)."""
        unsent: dict[TopicPartition, int] = {}
        for letter in dead:
            record = letter.record
            tp = TopicPartition(record.topic, record.partition)
            if tp in unsent:
                continue
            if not self._produce_dead_letter(letter):
                unsent[tp] = record.offset
        return unsent

    def _produce_dead_letter(self, letter: DeadLetter) -> bool:
        record = letter.record
        headers = list(record.headers or []) + [
            ("dlq.id", letter.dlq_id.encode()),
            ("dlq.reason", letter.reason.encode()[:4000]),
            ("dlq.topic", record.topic.encode()),
            ("dlq.partition", str(record.partition).encode()),
            ("dlq.offset", str(record.offset).encode()),
            ("dlq.consumer", self.name.encode()),
        ]
        try:
            if self._producer is None:
                self._producer = self.producer_factory()
            self._producer.send(
                f"{record.topic}.dlq", key=record.key, value=record.value, headers=headers
            ).get(timeout=15)
        except Exception as exc:  # cannot dead-letter now: retry the record later, lose nothing
            log.warning("%s: dead-lettering failed, will retry: %r", self.name, exc)
            self._producer = None
            return False
        self.stats.dead_lettered += 1
        log.error(
            "%s: dead-lettered %s[%d]@%d: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            letter.reason,
        )
        return True

    # -- retries pause one partition --------------------------------------------------------
    def _retry_later(self, tp: TopicPartition, offset: int) -> None:
        delay = self._partition_backoff.get(tp, self.backoff_base)
        self._partition_backoff[tp] = min(delay * 2, self.backoff_max)
        self._consumer.seek(tp, offset)
        self._consumer.pause(tp)
        self._paused[tp] = time.monotonic() + delay

    def _resume_due(self) -> None:
        now = time.monotonic()
        due = [tp for tp, at in self._paused.items() if at <= now]
        for tp in due:
            del self._paused[tp]
        owned = self._consumer.assignment()
        if due and owned:
            self._consumer.resume(*(tp for tp in due if tp in owned))

    def _poll_timeout_ms(self) -> int:
        if not self._paused:
            return self.poll_timeout_ms
        until = min(self._paused.values()) - time.monotonic()
        return max(0, min(self.poll_timeout_ms, int(until * 1000) + 1))

    # -- offsets and rebalances -----------------------------------------------------------
    def _commit(self) -> None:
        offsets = self._take_pending()
        if not offsets:
            return
        try:
            self._consumer.commit(offsets=offsets, timeout_ms=10_000)
            self.stats.commits += 1
        except KafkaError as exc:  # rebalanced away: the new owner redoes it, the inbox dedupes
            log.warning("%s: offset commit failed: %s", self.name, exc)

    def _take_pending(self) -> dict[TopicPartition, OffsetAndMetadata]:
        """The offsets to commit now (the next record of each partition), forgotten here."""
        self._last_commit = time.monotonic()
        if self._consumer is None:
            return {}
        offsets = {tp: OffsetAndMetadata(off, "", -1) for tp, off in self._pending.items()}
        self._pending.clear()
        return offsets

    # The listener runs on the client's IO loop, in a rebalance as at close. A blocking commit
    # there is refused by kafka-python (the loop would wait on itself), and the refusal used to
    # fail the poll, restart the consumer and skip the commit: so it is awaited instead.
    async def on_partitions_revoked(self, revoked) -> None:
        offsets = self._take_pending()
        if not offsets:
            return
        try:
            await self._consumer.commit_async(offsets=offsets)
            self.stats.commits += 1
        except KafkaError as exc:  # the group moved on: the new owner redoes it, the inbox dedupes
            log.warning("%s: offset commit on revocation failed: %s", self.name, exc)

    async def on_partitions_assigned(self, assigned) -> None:
        owned = set(assigned)
        self._pending = {tp: off for tp, off in self._pending.items() if tp in owned}
        self._paused = {tp: at for tp, at in self._paused.items() if tp in owned}
        self._partition_backoff = {
            tp: b for tp, b in self._partition_backoff.items() if tp in owned
        }
        if self._paused:  # a rebalance resumes everything: still waiting partitions stay paused
            self._consumer.pause(*self._paused)

    def _ensure_consumer(self) -> None:
        if self._consumer is None:
            self._consumer = self.consumer_factory()
            self._consumer.subscribe(topics=self.topics, listener=self)
            # Know every topic's partitions before the first poll joins the group: a leader
            # whose metadata lacks a topic just created assigns none of it, logs "No
            # partition metadata", and the group rebalances again once the metadata comes.
            for topic in self.topics:
                self._consumer.partitions_for_topic(topic)
            self._unassigned_since = time.monotonic()

    def _watch_assignment(self) -> None:
        """Recreate a consumer that stays without partitions.

        kafka-python can lose a rebalance's assignment when a poll times out while the
        SyncGroup answer is in flight, leaving a live member that never fetches. A worker that
        owns nothing for `unassigned_grace` seconds rejoins with a new consumer; the grace
        doubles each time, so a worker that is idle by design (more workers than partitions)
        only rejoins rarely.
        """
        if self._consumer.assignment():
            self._unassigned_since = None
            return
        now = time.monotonic()
        if self._unassigned_since is None:
            self._unassigned_since = now
        elif now - self._unassigned_since > self.unassigned_grace:
            log.warning("%s: no partitions for %.0fs, rejoining", self.name, self.unassigned_grace)
            self.unassigned_grace = min(self.unassigned_grace * 2, 600.0)
            self._close_consumer()
            self._ensure_consumer()

    def _close_consumer(self) -> None:
        """Commit what is done (best effort), then close; paused partitions are forgotten, the
        next consumer starts from the committed offsets."""
        if self._consumer is not None:
            try:
                self._commit()
            except Exception:  # a consumer in trouble may not commit; the inbox covers a redo
                log.debug("%s: commit before close failed", self.name, exc_info=True)
            try:
                self._consumer.close(autocommit=False)
            except Exception:  # closing after a broker loss can raise; the consumer is dropped
                log.debug("%s: consumer close failed", self.name, exc_info=True)
            self._consumer = None
            self._pending.clear()
            self._paused.clear()

    def _next_backoff(self) -> float:
        current = self._backoff
        self._backoff = min(self._backoff * 2, self.backoff_max)
        return current
