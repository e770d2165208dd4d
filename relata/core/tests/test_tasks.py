from __future__ import annotations

import pytest
from django.db import connection

from relata.core.tasks import database_statistics

pytestmark = pytest.mark.django_db


def test_database_statistics_are_gathered_on_sqlite_only():
    done = database_statistics.call_local()

    assert done is (connection.vendor == "sqlite")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
