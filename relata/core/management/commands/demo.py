"""Load reproducible demo data with a progress bar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from relata.core import demo_runner as demo


class Command(BaseCommand):
    help = "Load demo data (teams, users, and every area's records); same seed, same data."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--entities", type=int, default=200, help="How many entities to create (default 200)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["entities"] < 0:
            raise CommandError("--entities must be zero or more.")
        ctx = demo.run(
            seed=options["seed"],
            entities=options["entities"],
            show_progress=not options["no_progress"] and options["verbosity"] > 0,
        )
        for note in ctx.notes:
            self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
