"""A real SMTP peer (aiosmtpd) whose answers the test chooses, and a transport that
simulates a worker dying mid-batch."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from django.core.mail.backends.smtp import EmailBackend


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RuleHandler:
    """Accepts everything except: recipients in ``refuse`` (answer given), and messages
    whose subject contains a key of ``reject_data`` (answer given to DATA)."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.refuse: dict[str, str] = {}
        self.reject_data: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for key, answer in self.reject_data.items():
            if key in str(message["Subject"]):
                return answer
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_peer(settings: Any, port: int | None = None) -> Iterator[RuleHandler]:
    handler = RuleHandler()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    point_at(settings, port)
    try:
        yield handler
    finally:
        controller.stop()


def point_at(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


class WorkerDied(BaseException):
    """Stands for the worker process being killed (not an ``Exception``)."""


class CrashingBackend(EmailBackend):
    """Django's SMTP backend that "dies" around the message number ``crash_at`` (1-based):
    ``when="after"`` once the server accepted it, ``"before"`` before it is sent."""

    crash_at: int = 0
    when: str = "after"
    count: int = 0

    def send_messages(self, email_messages: Any) -> int:
        cls = type(self)
        cls.count += 1
        if cls.count == cls.crash_at and cls.when == "before":
            raise WorkerDied
        sent = super().send_messages(email_messages)
        if cls.count == cls.crash_at and cls.when == "after":
            raise WorkerDied
        return sent


class DisconnectingBackend(EmailBackend):
    """Django's SMTP backend whose server "goes away" at message number ``drop_at``."""

    drop_at: int = 0
    count: int = 0

    def send_messages(self, email_messages: Any) -> int:
        cls = type(self)
        cls.count += 1
        if cls.count == cls.drop_at:
            import smtplib

            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)
