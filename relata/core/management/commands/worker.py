"""Run the background worker (a Huey consumer) for queued and periodic jobs."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a Huey consumer: queued jobs and periodic jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("-w", "--workers", type=int, default=2)
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Leave periodic jobs to another worker (run exactly one worker without this).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "run_huey",
            workers=options["workers"],
            worker_type="thread",
            periodic=not options["no_periodic"],
        )
