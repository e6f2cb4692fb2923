"""The unit of work: one transaction, and the events it produced written to the outbox in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from shared.domain import Aggregate, DomainEvent, next_seq
from shared.events.envelope import Event
from shared.outbox import OutboxWriter
from shared.upserts import Upserts
from shared.waker import Waker


def locked_rows(session: Session) -> set:
    """Keys of the rows this transaction holds a lock on (`SELECT ... FOR UPDATE`), so that a
    batch of events on one row locks it once. A savepoint rolled back may release locks taken
    in it, so the set is emptied then (the next read locks again)."""
    return session.info.setdefault("locked_rows", set())


def memo(session: Session) -> dict:
    """What this transaction has read and knows to be unchanged since (found rows, and rows
    known to be absent), so a batch of events reads each once. Repositories that keep entries
    here update them on their own writes; a rolled-back savepoint empties it, as it does
    `locked_rows`."""
    return session.info.setdefault("memo", {})


def remembered(session: Session, key: tuple, load):
    """`memo(session)[key]`, calling `load()` the first time (its None is remembered too)."""
    known = memo(session)
    if key not in known:
        known[key] = load()
    return known[key]


def _forget_reads(session: Session) -> None:
    locked_rows(session).clear()
    memo(session).clear()


class SharedSession:
    """One session for everything a request does through one session factory: the check of
    the caller's standing and the handler's unit of work then use one pooled connection and,
    for a write, one transaction (was: two checkouts, the standing read in a transaction of
    its own). Opened on first use; `end_request` closes it."""

    def __init__(self, factory: sessionmaker[Session]):
        self.factory = factory
        self.session: Session | None = None
        self.kept: list[object] = []  # the identity map holds clean objects weakly
        self.busy = False  # a unit of work holds it: one nested in it gets a session of its own

    def session_for(self, factory: sessionmaker[Session]) -> Session | None:
        if factory is not self.factory or self.busy:
            return None
        if self.session is None:
            self.session = factory()
        return self.session

    def close(self) -> None:
        self.kept.clear()
        if self.session is not None:
            self.session.close()


_request_session: ContextVar[SharedSession | None] = ContextVar("goalkeeper_request_session",
                                                                default=None)


def begin_request(factory: sessionmaker[Session]) -> None:
    """From here until `end_request`, units of work and `request_session` built on `factory`
    share one session (other factories still open their own)."""
    end_request()
    _request_session.set(SharedSession(factory))


def end_request() -> None:
    shared = _request_session.get()
    _request_session.set(None)
    if shared is not None:
        shared.close()


def open_session(factory: sessionmaker[Session]) -> tuple[Session, SharedSession | None]:
    """The request's shared session when it is made by `factory` and no unit of work holds
    it (it is then held until `shared.busy` is cleared), else a new one and None."""
    shared = _request_session.get()
    session = shared.session_for(factory) if shared is not None else None
    if session is None:
        return factory(), None
    shared.busy = True
    return session, shared


@contextmanager
def request_session(default: sessionmaker[Session]) -> Iterator[Session]:
    """The request's shared session whatever its factory, else a session of `default` that is
    closed after the block. Objects loaded in a shared session stay in its identity map for
    the request (a handler's `session.get` of the same row needs no statement)."""
    shared = _request_session.get()
    if shared is None:
        with default() as session:
            yield session
        return
    session = shared.session_for(shared.factory)
    if session is None:  # a unit of work holds it
        with default() as session:
            yield session
        return
    yield session
    shared.kept = list(session.identity_map.values())


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "transient_to_pending")
def _track_in_unit_of_work(session: Session, instance: object) -> None:
    """Registered once for every session (listening on each unit of work's session, then
    removing the listeners, cost more than a read's statement): the session's current unit of
    work, if any, keeps `instance`."""
    unit_of_work = session.info.get("unit_of_work")
    if unit_of_work is not None:
        unit_of_work._track(instance)


class UnitOfWork:
    """`with uow: ...; uow.commit()`. Leaving the block without commit rolls back.

    Events come from two places: aggregates in the session (`Aggregate.record`) and
    `uow.emit(...)`. Both are validated against the event catalogue and written as outbox rows
    in the same transaction as the state change.
    """

    def __init__(self, session_factory: sessionmaker[Session], outbox: OutboxWriter, waker: Waker,
                 *, read_only: bool = False):
        self.session_factory = session_factory
        self.outbox = outbox
        self.waker = waker
        self.read_only = read_only
        self.session: Session | None = None
        self.published: list[Event] = []

    def __enter__(self):
        self.session, self._shared = open_session(self.session_factory)
        _forget_reads(self.session)  # a shared session may have served an earlier unit of work
        # The identity map holds clean objects weakly: keep every object this unit of work
        # touches, or an aggregate whose handler returned could be collected with its recorded
        # events, and a batch of events would load the same member or team once per event.
        self._seen: list[Aggregate] = []
        self._held: list[object] = []
        self.upserts = Upserts(self.session)
        self.session.info["unit_of_work"] = self
        self._emitted: list[DomainEvent] = []
        self._before_commit: list = []
        self._after_commit: list = []
        self._wakers: list[Waker] = []
        self.published = []
        self.on_enter()
        return self

    def on_enter(self) -> None:
        """Hook for subclasses to build their repositories on `self.session`."""

    def __exit__(self, *exc_info) -> None:
        try:
            self.session.info.pop("unit_of_work", None)
            self.upserts.close()
            self.session.expunge_all()  # objects handed out stay readable after the block
            self.session.rollback()
            _forget_reads(self.session)
        finally:
            self.session.close()  # a shared session begins anew if the request uses it again
            if self._shared is not None:
                self._shared.busy = False

    def emit(self, event_type: str, team_id: str, data: dict, subject: str | None = None) -> None:
        self._emitted.append(DomainEvent(event_type, str(team_id), data, subject))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: on error its writes, the events recorded in it and the
        callbacks and wake-ups it asked for at the commit are undone."""
        mark = next_seq()
        befores, callbacks = len(self._before_commit), len(self._after_commit)
        wakers = len(self._wakers)
        self.upserts.write()
        nested = self.session.begin_nested()
        try:
            yield
            self.upserts.write()
            self.session.flush()
            nested.commit()
        except BaseException:
            self.upserts.discard()
            _forget_reads(self.session)
            nested.rollback()
            self._discard_events_since(mark)
            del self._before_commit[befores:]
            del self._after_commit[callbacks:]
            del self._wakers[wakers:]
            raise

    def _discard_events_since(self, mark: int) -> None:
        for obj in self._seen:
            pending = obj.__dict__.get("_pending_events")
            if pending:
                obj.__dict__["_pending_events"] = [e for e in pending if e.seq < mark]
        self._emitted = [e for e in self._emitted if e.seq < mark]

    def before_commit(self, callback) -> None:
        """Run `callback()` in this unit of work's transaction as it commits, after its writes
        are flushed (e.g. claim what it made with a row held only while it commits)."""
        self._before_commit.append(callback)

    def after_commit(self, callback) -> None:
        """Run `callback()` once this unit of work has committed (e.g. wake a delivery loop)."""
        self._after_commit.append(callback)

    def wake_at_commit(self, waker: Waker) -> None:
        """Wake `waker`'s loop at this unit of work's commit, once however often asked: its
        notice (PostgreSQL, `Waker.notice_in`) is sent in the transaction, so it costs no
        transaction of its own and a rollback sends none; its datagram after the commit."""
        if waker not in self._wakers:
            self._wakers.append(waker)

    def flush(self) -> None:
        self.upserts.write()
        self.session.flush()

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.upserts.write()
        self.session.flush()
        befores, self._before_commit = self._before_commit, []
        for callback in befores:
            callback()
        events = [self._to_event(e) for e in self._collect()]
        self.outbox.add(self.session, events)
        if events:
            self.wake_at_commit(self.waker)  # the relay (on PostgreSQL the outbox's trigger too)
        wakers, self._wakers = self._wakers, []
        for waker in wakers:
            waker.notice_in(self.session)
        self.session.commit()
        self.published = events
        for waker in wakers:
            waker.nudge()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.upserts.discard()
        _forget_reads(self.session)
        self.session.rollback()
        self._emitted = []
        self._before_commit = []
        self._after_commit = []
        self._wakers = []

    def _collect(self) -> list[DomainEvent]:
        collected: list[DomainEvent] = []
        for obj in self._seen:
            collected.extend(obj.pop_events())
        collected.extend(self._emitted)
        self._emitted = []
        return sorted(collected, key=lambda e: e.seq)

    def _track(self, instance: object) -> None:
        self._held.append(instance)
        if isinstance(instance, Aggregate):
            self._seen.append(instance)

    def _to_event(self, event: DomainEvent) -> Event:
        return Event.new(
            event.type,
            event.team_id,
            event.data,
            subject=event.subject,
            source=f"/goalkeeper/{self.outbox.settings.service}",
        )
