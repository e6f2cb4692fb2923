"""On SQLite a query does not queue behind a writer: readers begin deferred, writers immediate."""

from __future__ import annotations

import threading

from sqlalchemy import text

from shared.db import make_engine, make_session_factory, read_only


def test_a_read_completes_while_a_writer_holds_the_write_lock(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    writer = make_session_factory(engine)()
    writer.execute(text("INSERT INTO t VALUES (2)"))  # BEGIN IMMEDIATE: holds the write lock
    events: list[str] = []
    read_done = threading.Event()

    def read() -> None:
        with make_session_factory(read_only(engine))() as reader:
            events.append(f"read {reader.execute(text('SELECT count(*) FROM t')).scalar()}")
        read_done.set()

    thread = threading.Thread(target=read)
    thread.start()
    read_done.wait(20)  # a reader that queued behind the writer would still be waiting here
    events.append("writer commits")
    writer.commit()
    thread.join()
    writer.close()
    assert events == ["read 1", "writer commits"]


def test_writers_still_take_the_write_lock_up_front(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    session = make_session_factory(engine)()
    session.execute(text("SELECT 1"))
    other = engine.raw_connection()
    try:
        other.execute("PRAGMA busy_timeout=0")
        try:
            other.execute("BEGIN IMMEDIATE")
            took_lock = True
        except Exception:
            took_lock = False
    finally:
        other.close()
        session.close()
    assert took_lock is False, "a plain session must hold the write lock from its first statement"
