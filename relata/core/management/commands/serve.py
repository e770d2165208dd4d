"""Serve Relata: the web server and, unless told otherwise, one background worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and a Huey worker beside it; Ctrl-C stops both."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("RELATA_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the background worker."
        )
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        children: list[subprocess.Popen[bytes]] = []
        relata = [sys.executable, "-m", "relata"]
        if not options["no_worker"]:
            children.append(subprocess.Popen([*relata, "worker"]))
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "relata.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["web_workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        children.append(subprocess.Popen(web))
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ (Ctrl-C to stop)"
        )

        def stop(signum: int, frame: Any) -> None:
            # SIGINT lets the Huey consumer finish the jobs it is running; gunicorn stops
            # gracefully on SIGTERM.
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM if child is children[-1] else signal.SIGINT)

        signal.signal(signal.SIGTERM, stop)
        try:
            # If either child dies, stop the other: a half-running trial is worse than none.
            while all(child.poll() is None for child in children):
                try:
                    children[-1].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        except KeyboardInterrupt:
            pass
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
