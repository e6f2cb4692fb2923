"""Wake a loop that waits for rows (the outbox relay, the notifications deliverer) as soon as
a transaction that wrote some commits.

Writers send a datagram after their commit to each loop's Unix socket beside the database
(every loop on this host, each process's its own), and on PostgreSQL also a `NOTIFY` inside
their transaction, which PostgreSQL delivers at the commit (to a loop on any host) and drops
on a rollback: the outbox's trigger sends it, or the unit of work for a waker given `Notices`
(`shared.uow.UnitOfWork.wake_at_commit` does both for any waker). The loop waits on both with
a timeout, so a lost wake-up only costs that timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import select
import socket
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from shared.change_watch import RETRY_AFTER_S, arrived, listening_connection

if TYPE_CHECKING:
    from shared.worker import Stop

log = logging.getLogger(__name__)
_NOTIFY = text("SELECT pg_notify(:channel, '')")


def socket_beside(database_url: str, name: str) -> Path:
    """The socket of the waker `name` of one database: its writers and its loop share it."""
    digest = hashlib.sha1(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"gk-{name}-{digest}.sock"


class Notices:
    """A PostgreSQL `LISTEN`/`NOTIFY` channel, for a loop on another host than its writers.

    `notify_in` runs in the writer's transaction, so the notice costs no transaction of its own
    and reaches the loop at the commit, when what was written is visible. The loop listens on a
    connection of its own, made as the read cache's watch makes it
    (`shared.change_watch.listening_connection`: a connect timeout, keepalives); after it
    broke it is made again at most once every `RETRY_AFTER_S`, and a notice sent meanwhile is
    lost, which costs the loop its timeout."""

    def __init__(self, engine: Engine, channel: str):
        self.engine = engine
        self.channel = channel
        self._listening = None
        self._retry_at = 0.0

    def notify_in(self, session: Session | Connection) -> None:
        """Send the notice in `session`'s transaction: delivered at its commit, dropped on a
        rollback (PostgreSQL folds a transaction's equal notices into one)."""
        session.execute(_NOTIFY, {"channel": self.channel})

    def listen(self) -> int | None:
        """The listening connection's socket (made now if there is none), or None while the
        database cannot be reached."""
        if self._listening is None:
            if time.monotonic() < self._retry_at:
                return None
            self._retry_at = time.monotonic() + RETRY_AFTER_S
            try:
                self._listening = listening_connection(self.engine)
                self._listening.execute(f"LISTEN {self.channel}")
            except Exception:
                log.warning("could not listen on %s", self.channel, exc_info=True)
                self.close()
                return None
        return self._listening.pgconn.socket

    def drain(self) -> None:
        """Read the notices that arrived; a broken connection is closed, to be made again."""
        if self._listening is None:
            return
        try:
            arrived(self._listening)
        except Exception:
            log.warning("lost the listening connection of %s", self.channel, exc_info=True)
            self.close()

    def close(self) -> None:
        if self._listening is not None:
            with contextlib.suppress(Exception):  # a connection to a restarted server is gone
                self._listening.close()
            self._listening = None


class Waker:
    """`notices`: also wake, and be woken, through PostgreSQL (see `Notices`)."""

    def __init__(self, socket_path: Path, notices: Notices | None = None):
        self.socket_path = Path(socket_path)
        self.notices = notices
        self._sender: socket.socket | None = None
        self._receiver: socket.socket | None = None
        self._bound: Path | None = None
        self._extra_fds: list = []

    @property
    def folder(self) -> Path:
        """Where the loops of this waker on this host bind their sockets, one each, so that
        two processes' loops are both woken: a folder of its own, read at every nudge."""
        return self.socket_path.with_name(f"{self.socket_path.name}.d")

    def _loops(self) -> list[Path]:
        with contextlib.suppress(FileNotFoundError):
            with os.scandir(self.folder) as entries:
                return [Path(e.path) for e in entries]
        return []

    def notice_in(self, session: Session | Connection) -> None:
        """Wake the loop on any host through `notices`, if any, at the commit of `session`'s
        transaction (`Notices.notify_in`)."""
        if self.notices is not None:
            self.notices.notify_in(session)

    def nudge(self) -> None:
        """Wake every loop that runs on this host (after the commit: it then sees the rows).
        A socket no process holds any more (its loop was killed) is removed."""
        if self._sender is None:
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
        for path in self._loops():
            try:
                self._sender.sendto(b"1", str(path))
            except ConnectionRefusedError:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            except OSError:  # full (woken already) or gone meanwhile
                pass

    def listen(self) -> None:
        """Bind this loop's receiving end, beside any other loop's; only the loop calls this."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._bound = self.folder / f"{os.getpid()}-{secrets.token_hex(3)}"
        self._receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._receiver.bind(str(self._bound))
        self._receiver.setblocking(False)
        if self.notices is not None:
            self.notices.listen()  # before the loop's first look: no notice falls between

    def watch(self, fileobj) -> None:
        """Also wake when `fileobj` (e.g. a LISTENing PostgreSQL connection) becomes readable."""
        self._extra_fds.append(fileobj)

    def unwatch(self, fileobj) -> None:
        if fileobj in self._extra_fds:
            self._extra_fds.remove(fileobj)

    def wait(self, timeout: float, stop: Stop | None = None) -> bool:
        """Block until woken, `stop` is set or `timeout` seconds pass; True when woken."""
        listening = self.notices.listen() if self.notices is not None else None
        readers = [r for r in [self._receiver, listening, *self._extra_fds] if r is not None]
        if not readers:
            return False
        ready, _, _ = select.select([*readers, *([stop] if stop else [])], [], [], timeout)
        if stop is not None and stop in ready:
            return False
        if self._receiver in ready:
            self._drain()
        if listening is not None and listening in ready:
            self.notices.drain()
        return bool(ready)

    def close(self) -> None:
        if self.notices is not None:
            self.notices.close()
        for sock in (self._sender, self._receiver):
            if sock is not None:
                sock.close()
        if self._bound is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._bound)
        self._sender = self._receiver = self._bound = None

    def _drain(self) -> None:
        while True:
            try:
                self._receiver.recv(64)
            except (BlockingIOError, OSError):
                return
