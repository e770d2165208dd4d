"""The ``relata`` console script: every Django management command plus Relata's own."""

import os
import sys


def main() -> None:
    """Run a management command, defaulting the settings module to Relata's."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
