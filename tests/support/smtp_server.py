"""A local SMTP server (aiosmtpd) started by a test, scripted to accept, refuse or defer mail.

- Every accepted message is parsed and kept in `messages` (an `email.message.EmailMessage`).
- `refuse(address, code)` answers RCPT TO for that address with `code` (550: no such user).
- `refuse_data(code)` answers the next DATA with `code` (554: rejected as a bounce would be).
- `defer(address, times)` answers RCPT TO with 451 that many times, then accepts.
- With `user`/`password` it requires AUTH LOGIN/PLAIN with them (over plain text: a test).
"""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from infra.kafka_broker import free_port


class LocalSmtpServer:
    def __init__(self, *, user: str | None = None, password: str | None = None):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: dict[str, int] = {}
        self.deferrals: Counter[str] = Counter()
        self.data_replies: list[int] = []
        self.rcpt_attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.port = free_port()
        options: dict = {}
        if user:
            options = {"authenticator": self._authenticator(user, password or ""),
                       "auth_required": True, "auth_require_tls": False}
        with warnings.catch_warnings():  # AUTH without TLS is what a local test wants
            warnings.simplefilter("ignore", UserWarning)
            self._controller = Controller(_Handler(self), hostname="127.0.0.1",
                                          port=self.port, **options)

    host = "127.0.0.1"

    def start(self) -> LocalSmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def refuse(self, address: str, code: int = 550) -> None:
        with self._lock:
            self.refused[address.lower()] = code

    def refuse_data(self, code: int = 554) -> None:
        with self._lock:
            self.data_replies.append(code)

    def defer(self, address: str, times: int = 1) -> None:
        with self._lock:
            self.deferrals[address.lower()] += times

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def _authenticator(user: str, password: str):
        def check(server, session, envelope, mechanism, data) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (
                data.login.decode(), data.password.decode()) == (user, password)
            return AuthResult(success=ok, handled=False)

        return check


class _Handler:
    def __init__(self, server: LocalSmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        s = self.server
        with s._lock:
            s.rcpt_attempts[address.lower()] += 1
            if address.lower() in s.refused:
                return f"{s.refused[address.lower()]} 5.1.1 <{address}>: no such user"
            if s.deferrals[address.lower()] > 0:
                s.deferrals[address.lower()] -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        s = self.server
        with s._lock:
            if s.data_replies:
                return f"{s.data_replies.pop(0)} 5.7.1 Message rejected"
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            s.messages.append(message)
            s.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"
