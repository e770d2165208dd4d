"""Prepare a trial installation: migrate, collect static files, first administrator, demo."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from relata.core.services import administrator_ensure


class Command(BaseCommand):
    help = "Migrate the database, create the first administrator and load the demo data once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--host", default=os.environ.get("RELATA_HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        password = administrator_ensure()
        if password is not None and not options["no_demo"]:
            call_command("demo")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Relata is ready at {url}"))
        if password is not None:
            self.stdout.write(f"  Log in as: admin   password: {password}")
            self.stdout.write(
                "  (shown only this once; change it under My profile → Change "
                "password, or run `relata changepassword admin`)"
            )
        else:
            self.stdout.write(
                "  Log in with your existing account (forgotten it? `relata changepassword admin`)."
            )
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            self.stdout.write(f"  Data: {settings.DATABASES['default']['NAME']}")
