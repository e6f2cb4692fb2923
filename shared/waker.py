"""Wake the outbox relay as soon as a transaction with new events commits.

Writers send a datagram on a Unix socket beside the database (same host), and on PostgreSQL
also `NOTIFY` inside the transaction (delivered on commit, to a relay on any host). The relay
waits on both with a timeout, so a lost wake-up only costs one poll interval.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from pathlib import Path


class Waker:
    def __init__(self, socket_path: Path):
        self.socket_path = Path(socket_path)
        self._sender: socket.socket | None = None
        self._receiver: socket.socket | None = None
        self._extra_fds: list = []

    def notify(self) -> None:
        if self._sender is None:
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
        with contextlib.suppress(OSError):
            self._sender.sendto(b"1", str(self.socket_path))

    def listen(self) -> None:
        """Bind the receiving end; only the relay calls this."""
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        self._receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._receiver.bind(str(self.socket_path))
        self._receiver.setblocking(False)

    def watch(self, fileobj) -> None:
        """Also wake when `fileobj` (e.g. a LISTENing PostgreSQL connection) becomes readable."""
        self._extra_fds.append(fileobj)

    def unwatch(self, fileobj) -> None:
        if fileobj in self._extra_fds:
            self._extra_fds.remove(fileobj)

    def wait(self, timeout: float) -> bool:
        """Block until woken or `timeout` seconds pass; True when woken."""
        readers = [r for r in [self._receiver, *self._extra_fds] if r is not None]
        if not readers:
            return False
        ready, _, _ = select.select(readers, [], [], timeout)
        if self._receiver in ready:
            self._drain()
        return bool(ready)

    def close(self) -> None:
        for sock in (self._sender, self._receiver):
            if sock is not None:
                sock.close()
        if self._receiver is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket_path)
        self._sender = self._receiver = None

    def _drain(self) -> None:
        while True:
            try:
                self._receiver.recv(64)
            except (BlockingIOError, OSError):
                return
