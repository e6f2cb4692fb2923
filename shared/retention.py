"""Purging what a retention period lets go, the one way every worker does it.

Expired rows are deleted `CHUNK` at a time, each chunk in a transaction of its own, so a purge
never holds a long lock or a huge transaction however much has expired, and one stopped
midway keeps what it deleted. Every purge job runs each `PURGE_SECONDS`. What is kept, and for
how long, stays with its owner: the messaging tables (`shared.messaging_tables`), idempotency
keys (`shared.idempotency`), and each service's own (spent links, refused Slack requests,
Slack event ids). Their repositories say which rows have expired (`delete_chunk`); their jobs
purge through `purge_in_chunks`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import ColumnElement, Connection, delete, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from shared.uow import UnitOfWork

PURGE_SECONDS = 3600.0  # how often a worker runs each of its purges
CHUNK = 5_000  # rows deleted per transaction

U = TypeVar("U", bound="UnitOfWork")


def delete_chunk(session: Session | Connection, key, expired: ColumnElement[bool],
                 limit: int) -> int:
    """Delete up to `limit` rows of `key`'s table where `expired`, found by `key` (a unique
    column); how many were."""
    batch = select(key).where(expired).limit(limit)
    return session.execute(delete(key.table).where(key.in_(batch))).rowcount or 0


def purge_in_chunks(uow_factory: Callable[[], U], delete: Callable[[U, int], int]) -> int:
    """`delete(uow, CHUNK)` in a unit of work of its own, committed, again until one deletes
    fewer than `CHUNK` rows; how many were deleted in all."""
    total = 0
    while True:
        with uow_factory() as uow:
            deleted = delete(uow, CHUNK)
            uow.commit()
        total += deleted
        if deleted < CHUNK:
            return total
