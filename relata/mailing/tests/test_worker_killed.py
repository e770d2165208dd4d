"""A real worker process killed (SIGKILL) in the middle of a batch: nothing is sent twice,
and every message ends sent or, for the hand-over group being sent, "unknown"."""

from __future__ import annotations

import asyncio
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from relata.mailing import outbox, services
from relata.mailing.models import EmailStatus, OutgoingEmail
from relata.mailing.tests.peers import free_port, point_at

ROOT = Path(__file__).resolve().parents[3]


class SlowHandler:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.15)
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("group", [1, 4])
def test_killed_worker_sends_nothing_twice(settings, agent, make_contact, service_template, group):
    contacts = [make_contact(f"P{i}", f"p{i}@example.com") for i in range(15)]
    # The send's own drain (after the commit) finds the server down: all stay queued.
    point_at(settings, free_port())
    services.email_send(user=agent, contacts=contacts, template=service_template)
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.QUEUED}
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())  # the back-off is over
    handler = SlowHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    point_at(settings, port)
    try:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "DJANGO_SETTINGS_MODULE": "relata.config.settings",
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from django.conf import settings; "
                f"settings.MAILING_HANDOVER_GROUP = {group}; "
                "from relata.mailing.outbox import drain; drain(connections=1)",
            ],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len(handler.ids) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        _out, errors = worker.communicate()
        assert 4 <= len(handler.ids) < 15, errors[-3000:]
        time.sleep(0.5)  # the server finishes a message the worker was handing over
        # Right away, a new worker leaves the dead worker's claim alone.
        outbox.drain(connections=1)
        assert OutgoingEmail.objects.filter(status=EmailStatus.SENDING).exists()
        later = timezone.now() + outbox.STALE_AFTER + datetime.timedelta(seconds=1)
        outbox.drain(now=later, connections=1)
    finally:
        controller.stop()
    assert len(handler.ids) == len(set(handler.ids))  # nothing twice
    rows = dict(OutgoingEmail.objects.values_list("message_id", "status"))
    unknown = [mid for mid, status in rows.items() if status == EmailStatus.UNKNOWN]
    sent = [mid for mid, status in rows.items() if status == EmailStatus.SENT]
    # At most the hand-over group being sent is unknown; everything else is sent.
    assert len(unknown) <= group and len(sent) + len(unknown) == 15
    assert set(sent) <= set(handler.ids)  # every "sent" arrived
    # The server received every message except, perhaps, the one whose fate is unknown.
    assert set(rows) - set(handler.ids) <= set(unknown)
