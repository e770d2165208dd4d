"""Consistent online backup of the database: SQLite backup API, or pg_dump."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Return the environment that points libpq tools at Django's database."""
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


class Command(BaseCommand):
    help = "Write a consistent copy of the database to FILE while Relata keeps running."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["file"].resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            # The backup API copies a consistent snapshot page by page, even while the
            # server and worker write (WAL mode).
            source = sqlite3.connect(connection.settings_dict["NAME"])
            tmp = target.with_suffix(target.suffix + ".part")
            tmp.unlink(missing_ok=True)
            dest = sqlite3.connect(tmp)
            try:
                with dest:
                    source.backup(dest, pages=1024)
            finally:
                dest.close()
                source.close()
            tmp.replace(target)
        elif connection.vendor == "postgresql":
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(target)],
                env=pg_env(connection.settings_dict),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"Backups of {connection.vendor} databases are not supported.")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
