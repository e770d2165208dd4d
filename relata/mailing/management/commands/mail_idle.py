"""``relata mail-idle``: read IMAP mailboxes as soon as mail arrives (IMAP IDLE).

Runs until stopped (SIGTERM, Ctrl-C), beside ``relata worker``; see
:mod:`relata.mailing.inbound.idle`. Mailboxes added or activated later are picked up within
a minute; deactivated ones are left at the end of their current IDLE.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django import db
from django.core.management.base import BaseCommand, CommandParser

from relata.mailing.inbound.idle import IDLE_TIMEOUT, imap_mailbox_ids, watch


def _watch(pk: int, stop: threading.Event, timeout: float) -> None:
    try:
        watch(pk, stop, timeout)
    finally:
        db.connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = "Read the active IMAP mailboxes as soon as mail arrives (IMAP IDLE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=IDLE_TIMEOUT,
            help="seconds of one IDLE before it is renewed (default 1500)",
        )
        parser.add_argument(
            "--rescan", type=float, default=60.0, help="seconds between looks for new mailboxes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        watchers: dict[int, threading.Thread] = {}
        while not stop.is_set():
            for pk in imap_mailbox_ids():
                if pk not in watchers or not watchers[pk].is_alive():
                    thread = threading.Thread(
                        target=_watch,
                        args=(pk, stop, options["timeout"]),
                        name=f"idle-{pk}",
                        daemon=True,  # an IDLE in progress does not delay the exit
                    )
                    thread.start()
                    watchers[pk] = thread
                    self.stdout.write(f"Watching mailbox {pk}.")
            stop.wait(options["rescan"])
        self.stdout.write("Stopped.")
