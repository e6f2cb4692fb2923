"""Two requests (or jobs) racing: each is held after its read until the other has read too.

A race test makes the moment two writers meet happen every time: each call runs in a thread of
its own, and the first statement of each thread that `held_at` picks waits (up to `timeout_s`)
until every call has reached one, so all of them read before any of them writes. On SQLite,
which takes writers one at a time, the second waits for the first's commit instead: the wait
times out and it goes on alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text

from tests.support.waiting import eventually


@dataclass
class Race:
    results: list[Any]  # each call's result, in the order of the calls
    held: int  # how many calls reached the statement they were held after


def run_together(engine, held_at: Callable[[str], bool], *calls: Callable[[], Any],
                 timeout_s: float = 2.0) -> Race:
    """Run `calls` at once, each held after its first statement `held_at` matches until all
    have run one (see the module); an exception raised by a call is raised here."""
    meeting = threading.Barrier(len(calls), timeout=timeout_s)
    holding: set[int] = set()

    def hold(conn, cursor, statement, *args) -> None:
        me = threading.get_ident()
        if me in holding or not held_at(statement):
            return
        holding.add(me)
        try:
            meeting.wait()
        except threading.BrokenBarrierError:
            pass  # another call waits for this one's commit: it goes on alone

    event.listen(engine, "after_cursor_execute", hold)
    try:
        results = _in_threads(calls)
    finally:
        event.remove(engine, "after_cursor_execute", hold)
    return Race(results, len(holding))


def once_after(statement_part: str, meanwhile: Callable[[], object], *,
               thread: int | None = None) -> Callable:
    """A hook (for an engine's `after_cursor_execute`) running `meanwhile` once, in
    transactions of its own, right after the first statement containing `statement_part`
    (run by `thread`, if given), while that statement's transaction is open."""
    armed = [True]

    def hook(conn, cursor, statement: str, *args) -> None:
        if armed and statement_part in statement \
                and thread in (None, threading.get_ident()):
            armed.clear()
            meanwhile()
    return hook


def sent_meanwhile(engine, first: Callable[[], Any], statement_part: str,
                   second: Callable[[], Any]) -> tuple:
    """`first` called, and `second` called from a thread of its own right after `first` ran a
    statement containing `statement_part` on `engine` (PostgreSQL's); `first` goes on once
    `second` has returned or waits for a lock, so the two always meet in that order. Their
    results, in that order."""
    answers = []
    sending = threading.Thread(target=lambda: answers.append(second()))

    def meanwhile():
        sending.start()
        eventually(lambda: not sending.is_alive() or waiting_on_a_lock(engine), timeout=10)

    hook = once_after(statement_part, meanwhile, thread=threading.get_ident())
    event.listen(engine, "after_cursor_execute", hook)
    try:
        answer = first()
    finally:
        event.remove(engine, "after_cursor_execute", hook)
    sending.join(10)
    return answer, *answers


SQLITE_WAITS = "SQLite takes writers one at a time: the one meanwhile would wait for the other"


def waiting_on_a_lock(engine) -> bool:
    """Whether a transaction on `engine`'s PostgreSQL database waits for a lock another holds
    (the moment to let the holder go on, in a test of who waits for whom)."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()")).scalar())


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run `calls` each in its thread, all starting together (a double click, a client retrying
    while the first request is under way); their results in the order of the calls."""
    start = threading.Barrier(len(calls), timeout=10)

    def started(call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            start.wait()
            return call()
        return run

    return _in_threads([started(call) for call in calls])


def _in_threads(calls) -> list[Any]:
    """Each call in a thread of its own; their results in order, or the first exception."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return results
