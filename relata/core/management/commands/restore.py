"""Restore the database from a file written by ``relata backup``."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from relata.core.management.commands.backup import pg_env


class Command(BaseCommand):
    help = (
        "Replace the database with the contents of FILE (from `relata backup`). "
        "Stop the server and worker first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        source_path: Path = options["file"].resolve()
        if not source_path.is_file():
            raise CommandError(f"No backup file at {source_path}.")
        if options["interactive"]:
            answer = input("This replaces every record in the database. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        if connection.vendor == "sqlite":
            self._check_sqlite(source_path)
            connection.close()
            source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
            dest = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        elif connection.vendor == "postgresql":
            env = pg_env(connection.settings_dict)
            listing = subprocess.run(
                ["pg_restore", "--list", str(source_path)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if listing.returncode:
                raise CommandError(f"Not a Relata PostgreSQL backup: {listing.stderr.strip()}")
            connection.close()
            result = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    connection.settings_dict["NAME"],
                    str(source_path),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"Restores of {connection.vendor} databases are not supported.")
        from django.core.cache import cache

        cache.clear()
        self.stdout.write(self.style.SUCCESS(f"Database restored from {source_path}"))

    @staticmethod
    def _check_sqlite(path: Path) -> None:
        """Refuse a file that is not a sound SQLite database, before touching the live one."""
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                check = source.execute("PRAGMA integrity_check").fetchone()[0]
                tables = {
                    row[0]
                    for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
            finally:
                source.close()
        except sqlite3.DatabaseError as error:
            raise CommandError(f"Not a Relata SQLite backup: {error}") from error
        if check != "ok":
            raise CommandError(f"The backup file is damaged: {check}")
        if "django_migrations" not in tables or "core_user" not in tables:
            raise CommandError("Not a Relata SQLite backup: its tables are missing.")
