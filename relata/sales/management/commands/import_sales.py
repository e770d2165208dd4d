"""``relata import-sales DIR [--partial] [--user USERNAME]``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from relata.core.models import Role, User
from relata.sales.importer import import_directory
from relata.sales.tokens import command_line_token

MAX_ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Load the ERP's CSV exports (customers.csv, suppliers.csv, products.csv, orders.csv, "
        "order_lines.csv, deliveries.csv, invoices.csv, invoice_lines.csv) from DIR; see "
        "docs/sales-integration.md for the columns."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Save the good rows and report the bad ones (default: nothing when any is bad).",
        )
        parser.add_argument(
            "--user",
            help="Administrator the changes are recorded as (default: the first active one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        if not directory.is_dir():
            raise CommandError(_("%s is not a directory.") % directory)
        users = User.objects.filter(is_active=True)
        if options["user"]:
            user = users.filter(username=options["user"]).first()
        else:
            user = users.filter(role=Role.ADMINISTRATOR).order_by("pk").first()
        if user is None:
            raise CommandError(_("No such active administrator."))
        try:
            token = command_line_token(user)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        result = import_directory(token=token, directory=directory, partial=options["partial"])
        for summary in result.files:
            self.stdout.write(
                _(
                    "%(file)s: %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged, %(errors)d with errors"
                )
                % dataclasses.asdict(summary)
            )
        for line in result.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(line)
        if len(result.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(_("… and %d more errors.") % (len(result.errors) - MAX_ERRORS_SHOWN))
        if not result.saved:
            raise CommandError(
                _("%d errors: nothing was saved (use --partial to save the good rows).")
                % len(result.errors)
            )
