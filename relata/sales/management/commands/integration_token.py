"""``relata integration-token NAME --user ADMIN``: create a token for the ERP integration."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from relata.core.models import User
from relata.sales.models import IntegrationToken
from relata.sales.tokens import integration_token_create, integration_token_revoke


class Command(BaseCommand):
    help = "Create (or, with --revoke, revoke) an integration token for /api/v1/sales/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the token is for, e.g. the ERP's name.")
        parser.add_argument("--user", required=True, help="The administrator creating it.")
        parser.add_argument(
            "--revoke", action="store_true", help="Revoke the active tokens with this name."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("No such active user."))
        try:
            if options["revoke"]:
                tokens = IntegrationToken.objects.filter(name=options["name"], is_active=True)
                for token in tokens:
                    integration_token_revoke(user=user, token=token)
                self.stdout.write(_("%d tokens revoked.") % len(tokens))
                return
            _token, raw = integration_token_create(user=user, name=options["name"])
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(raw)
        self.stderr.write(_("Keep this token now: it is not shown again."))
