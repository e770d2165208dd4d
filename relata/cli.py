"""The ``relata`` console script: every Django management command plus Relata's own."""

import os
import sys


def main() -> None:
    """Run a management command, defaulting the settings module to Relata's."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # ``relata scan-card`` runs the ``scan_card`` command: dashes read better in a shell.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)
