"""Settings from the environment: SQLite tuning and the production check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting; this run uses " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        timeout = cursor.fetchone()[0]
        cursor.execute("PRAGMA foreign_keys")
        foreign_keys = cursor.fetchone()[0]

    assert (journal, timeout, foreign_keys) == ("wal", 20000, 1)


def relata(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relata", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )


def production_env(tmp_path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        {
            "RELATA_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "x7!" + "k" * 60 + "Qz9#mP2$",
            "ALLOWED_HOSTS": "crm.example.com",
            "RELATA_HTTPS": "true",
            "DEBUG": "false",
        }
    )
    return env


def test_check_deploy_is_clean_when_configured_for_production(tmp_path):
    result = relata("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_on_the_trial_configuration(tmp_path):
    env = production_env(tmp_path)
    env.pop("RELATA_HTTPS")

    result = relata("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 1
    assert "security.W004" in result.stderr + result.stdout  # no HSTS without HTTPS


def test_trial_secret_key_is_generated_once_and_kept(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["RELATA_DATA_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"

    first = relata("shell", "-v", "0", "-c", code, env=env).stdout.strip()
    second = relata("shell", "-v", "0", "-c", code, env=env).stdout.strip()

    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
