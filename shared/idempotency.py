"""`Idempotency-Key` for POST requests: a retry gets the first response back, never a second effect.

A key is scoped to (member, method, path). The first request claims it by inserting a row in
the same transaction as its effect, and saves its status and response body there before the
commit. A retry with the same key and the same body gets the saved response (with
`Idempotent-Replayed: true`); the same key with a different body is refused with 422.

Concurrent duplicates: the unique constraint admits one claim. On PostgreSQL the second insert
waits for the first transaction and then fails; on SQLite the write lock (BEGIN IMMEDIATE)
serialises the two transactions. Either way the loser rolls back to a savepoint, reads the
winner's committed row and replays it. A request that fails rolls its claim back with
everything else, so retrying after an error runs the request again.

Use: add `idempotency_table(metadata)` to a service's tables, build an `Idempotency` in the
view with `Idempotency.from_request(...)`, and in the service layer call `replay(session)`
first and `remember(session, result)` before committing. `respond(result)` in the view turns a
replay into the HTTP response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db import BigId, UtcDateTime
from shared.domain import BadRequest, Conflict, Unprocessable

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def idempotency_table(metadata: MetaData) -> Table:
    table = Table(
        "idempotency_keys",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("member_id", String(64), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(500), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # null only inside the claiming transaction
        Column("body", Text, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        UniqueConstraint("member_id", "method", "path", "key", name="uq_idempotency_scope"),
    )
    Index("ix_idempotency_created", table.c.created_at)
    return table


class InvalidIdempotencyKey(BadRequest):
    pass


@dataclass(frozen=True)
class IdempotentRequest:
    member_id: str
    method: str
    path: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class SavedResponse:
    status: int
    body: str

    def to_response(self) -> Response:
        response = Response(self.body, status=self.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response


def fingerprint(method: str, path: str, raw_body: bytes) -> str:
    """The same JSON body in any key order or spacing has the same fingerprint."""
    try:
        canonical = json.dumps(
            json.loads(raw_body or b"null"), sort_keys=True, separators=(",", ":")
        ).encode()
    except ValueError:
        canonical = raw_body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


class IdempotencyLedger:
    def __init__(self, table: Table):
        self.table = table

    def claim(
        self, session: Session, req: IdempotentRequest, now: datetime
    ) -> SavedResponse | None:
        """None when this request now owns the key; the saved response when it was done before."""
        saved = self._saved(session, req)
        if saved is not None:
            return saved
        try:
            with session.begin_nested():
                session.execute(
                    insert(self.table).values(
                        member_id=req.member_id,
                        method=req.method,
                        path=req.path,
                        key=req.key,
                        fingerprint=req.fingerprint,
                        created_at=now,
                    )
                )
        except IntegrityError:
            saved = self._saved(session, req)
            if saved is None:  # unreachable while claims and effects commit together
                raise Conflict(f"a request with this {HEADER} is in progress; retry it") from None
            return saved
        return None

    def save(self, session: Session, req: IdempotentRequest, status: int, body: object) -> None:
        session.execute(
            update(self.table)
            .where(*self._scope(req))
            .values(status=status, body=json.dumps(body, separators=(",", ":")))
        )

    def purge(self, session: Session, older_than: datetime) -> int:
        result = session.execute(delete(self.table).where(self.table.c.created_at < older_than))
        return result.rowcount or 0

    def _saved(self, session: Session, req: IdempotentRequest) -> SavedResponse | None:
        row = session.execute(
            select(self.table.c.fingerprint, self.table.c.status, self.table.c.body).where(
                *self._scope(req)
            )
        ).first()
        if row is None or row.status is None:
            return None
        if row.fingerprint != req.fingerprint:
            raise Unprocessable(
                f"this {HEADER} was already used with a different request body; "
                "use a new key for a new request",
                errors={HEADER: ["Reused with another body."]},
            )
        return SavedResponse(row.status, row.body)

    def _scope(self, req: IdempotentRequest) -> list:
        c = self.table.c
        return [
            c.member_id == req.member_id,
            c.method == req.method,
            c.path == req.path,
            c.key == req.key,
        ]


@dataclass(frozen=True)
class Idempotency:
    """One request's key, the ledger it goes in, and how its result becomes the saved body."""

    ledger: IdempotencyLedger
    request: IdempotentRequest
    render: Callable[[object], object]
    status: int = 201

    @classmethod
    def from_request(
        cls,
        ledger: IdempotencyLedger,
        member_id: str,
        render: Callable[[object], object],
        status: int = 201,
    ) -> Idempotency | None:
        """From the current Flask request; None when it carries no `Idempotency-Key`."""
        key = request.headers.get(HEADER)
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidIdempotencyKey(
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters"
            )
        req = IdempotentRequest(
            member_id,
            request.method,
            request.path,
            key,
            fingerprint(request.method, request.path, request.get_data()),
        )
        return cls(ledger, req, render, status)

    def replay(self, session: Session, now: datetime) -> SavedResponse | None:
        return self.ledger.claim(session, self.request, now)

    def remember(self, session: Session, result: object) -> None:
        self.ledger.save(session, self.request, self.status, self.render(result))


def respond(result: object) -> object:
    """In a view: a replayed response as HTTP, anything else unchanged for the schema to dump."""
    return result.to_response() if isinstance(result, SavedResponse) else result
