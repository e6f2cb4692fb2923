"""Idempotency keys: a retried request gets the first response back, never a second effect.

A key is scoped to (member, method, path). The first request claims it in the same transaction
as its effect and saves the response it answered with; a retry with the same key and the same
request body (its fingerprint) gets that response again, the same key with another body is
refused. Keys are kept for `KEPT`, then purged by the worker (`purge_keys`). Each service that
takes keys keeps its own ledger table (`add_idempotency_table`) in its own database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from flask import Response, request
from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from shared.db import BigId, UtcDateTime, written_first
from shared.domain import BadRequest, Conflict, Unprocessable
from shared.retention import delete_chunk, purge_in_chunks

KEY = "Idempotency-Key"
MAX_KEY_LENGTH = 255
MAX_PATH_LENGTH = 500  # the ledger's path column; an id-bearing path is far shorter
KEPT = timedelta(days=1)

IDEMPOTENCY_KEY_DOC = {"parameters": [{"in": "header", "name": KEY, "required": False,
                                       "schema": {"type": "string",
                                                  "maxLength": MAX_KEY_LENGTH}}]}


class InvalidIdempotencyKey(BadRequest):
    """The Idempotency-Key is empty, too long or not printable."""


class IdempotencyKeyReused(Unprocessable):
    """The Idempotency-Key was already used with another request body."""


@dataclass(frozen=True)
class IdempotentRequest:
    member_id: str
    method: str
    path: str
    key: str
    fingerprint: str  # of method, path and body: the same request in any JSON key order


@dataclass(frozen=True)
class SavedResponse:
    """What the first request with a key answered: its status and JSON body."""

    fingerprint: str
    status: int
    body: str

    def replay_for(self, request: IdempotentRequest) -> SavedResponse:
        if self.fingerprint != request.fingerprint:
            raise IdempotencyKeyReused(
                f"this {KEY} was already used with a different request body; "
                "use a new key for a new request",
                errors={KEY: ["Reused with another body."]},
            )
        return self


T = TypeVar("T")


@dataclass(frozen=True)
class Once(Generic[T]):
    """What a request made, or (a retry under the same key) what the first request answered."""

    made: T | None = None
    replayed: SavedResponse | None = None


def made_once(keys: IdempotencyKeys, request: IdempotentRequest | None, now: datetime,
              make: Callable[[], T], render: Callable[[T], object],
              status: int = 201) -> Once[T]:
    """`make()` once per key, in the caller's transaction (which commits it): with a key, the
    key is claimed first, so a retry gets the first answer back instead, and the answer
    (`render` of what was made) is saved beside the effect. Without one, just `make()`."""
    if request is not None:
        earlier = keys.claimed(request, now)
        if earlier is not None:
            return Once(replayed=earlier)
    made = make()
    if request is not None:
        keys.save(request, status, render(made))
    return Once(made=made)


# -- the ledger -----------------------------------------------------------------------------
def add_idempotency_table(metadata: MetaData) -> Table:
    table = Table(
        "idempotency_keys", metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("member_id", String(64), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(MAX_PATH_LENGTH), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # null only inside the claiming transaction
        Column("body", Text, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        UniqueConstraint("member_id", "method", "path", "key", name="uq_idempotency_scope"),
    )
    Index("ix_idempotency_created", table.c.created_at)
    return table


class IdempotencyKeys:
    """The ledger of idempotency keys and the responses saved under them.

    Concurrent duplicates: the unique constraint admits one claim. On PostgreSQL the second
    insert waits for the first transaction and then fails; on SQLite the write lock (BEGIN
    IMMEDIATE) serialises the two transactions. Either way the loser rolls back to a savepoint
    and reads the winner's committed row. A claim commits or rolls back with its effect.
    """

    def __init__(self, session: Session, table: Table):
        self.session = session
        self.table = table

    def claimed(self, request: IdempotentRequest, now: datetime) -> SavedResponse | None:
        """None when this request now holds its key (go on, then `save`); what the first
        request answered when it was done (replay it)."""
        saved = self.saved(request)
        if saved is None:
            if self.claim(request, now):
                return None
            saved = self.saved(request)  # a concurrent request won the key
            if saved is None:  # unreachable while claims and their effects commit together
                raise Conflict(f"a request with this {KEY} is in progress; retry it")
        return saved.replay_for(request)

    def saved(self, request: IdempotentRequest) -> SavedResponse | None:
        """The response saved under the request's key; None when none was saved (yet)."""
        c = self.table.c
        row = self.session.execute(
            select(c.fingerprint, c.status, c.body).where(*self._scope(request))).first()
        if row is None or row.status is None:
            return None
        return SavedResponse(row.fingerprint, row.status, row.body)

    def claim(self, request: IdempotentRequest, now: datetime) -> bool:
        """True when this transaction now holds the key; False when another one took it first."""
        return written_first(self.session, lambda: self.session.execute(insert(self.table).values(
            member_id=request.member_id, method=request.method, path=request.path,
            key=request.key, fingerprint=request.fingerprint, created_at=now)))

    def save(self, request: IdempotentRequest, status: int, body: object) -> None:
        self.session.execute(update(self.table).where(*self._scope(request)).values(
            status=status, body=json.dumps(body, separators=(",", ":"))))

    def purge(self, older_than: datetime, limit: int) -> int:
        """Delete up to `limit` keys claimed before `older_than`; how many were."""
        return delete_chunk(self.session, self.table.c.id, self.table.c.created_at < older_than,
                            limit)

    def _scope(self, request: IdempotentRequest) -> list:
        c = self.table.c
        return [c.member_id == request.member_id, c.method == request.method,
                c.path == request.path, c.key == request.key]


def purge_keys(uow_factory, clock) -> int:
    """A service worker's job: forget the keys older than `KEPT`; how many were."""
    before = clock.now() - KEPT
    return purge_in_chunks(uow_factory,
                           lambda uow, limit: uow.idempotency_keys.purge(before, limit))


# -- the request ----------------------------------------------------------------------------
def idempotent_request(member_id: str) -> IdempotentRequest | None:
    """The current request's key, scoped to the member; None when it carries no key."""
    key = request.headers.get(KEY)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(f"{KEY} must be 1 to {MAX_KEY_LENGTH} printable characters")
    if len(request.path) > MAX_PATH_LENGTH:  # no resource's path is so long: its handler
        return None  # answers 404 (or 403) as without a key, and no key is kept for it
    return IdempotentRequest(member_id, request.method, request.path, key,
                             fingerprint(request.method, request.path, request.get_data()))


def fingerprint(method: str, path: str, raw_body: bytes) -> str:
    """The same JSON body in any key order or spacing has the same fingerprint."""
    try:
        canonical = json.dumps(
            json.loads(raw_body or b"null"), sort_keys=True, separators=(",", ":")
        ).encode()
    except ValueError:
        canonical = raw_body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def replayed(saved: SavedResponse, headers: dict[str, str] | None = None) -> Response:
    """The response the first request with this key got, marked as a replay. `headers` are
    the ones the first answer carried beside its body (a view derives them from the body, as
    it did then), so a retry can go on as the first answer would have let it."""
    response = Response(saved.body, status=saved.status, mimetype="application/json")
    response.headers.update(headers or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response


def replayed_with(saved: SavedResponse, **credentials: str) -> Response:
    """The first answer replayed (`replayed`) with `credentials` put back in its body: what
    the ledger does not keep (a token, an invite's code), made again for the replay."""
    response = replayed(saved)
    response.set_data(json.dumps({**json.loads(saved.body), **credentials}))
    return response
