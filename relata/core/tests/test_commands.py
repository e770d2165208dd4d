"""The relata command: setup, demo, backup/restore and serve."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import call_command

from relata.core import demo_runner
from relata.core.models import Role, Team, User


def trial_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["RELATA_DATA_DIR"] = str(tmp_path)
    return env


def relata(*args: str, env: dict[str, str], timeout: int = 180):
    return subprocess.run(
        [sys.executable, "-m", "relata", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def test_setup_prints_the_admin_password_once_and_reuses_the_data(tmp_path):
    env = trial_env(tmp_path)

    first = relata("setup", "--no-demo", env=env)
    second = relata("setup", "--no-demo", env=env)

    assert first.returncode == 0, first.stderr
    assert "Log in as: admin   password: " in first.stdout
    password = first.stdout.split("password: ")[1].split()[0]
    assert len(password) >= 16
    assert second.returncode == 0, second.stderr
    assert password not in second.stdout
    assert "Log in with your existing account" in second.stdout
    check = relata(
        "shell",
        "-v",
        "0",
        "-c",
        (
            "from relata.core.models import User; u = User.objects.get(username='admin'); "
            f"print(u.role, u.check_password({password!r}), u.password.startswith('pbkdf2'))"
        ),
        env=env,
    )
    assert check.stdout.split() == ["administrator", "True", "True"]


@pytest.mark.django_db
def test_demo_is_reproducible_for_a_seed():
    def load() -> list[tuple[str, str, list[str]]]:
        demo_runner.run(seed=7, entities=0, show_progress=False)
        return [
            (u.username, u.role, [t.name for t in u.teams.all()])
            for u in User.objects.order_by("username").prefetch_related("teams")
        ]

    first = load()
    User.objects.all().delete()
    Team.objects.all().delete()
    second = load()

    assert first == second
    assert len(first) == 13
    assert sum(1 for _u, role, _t in first if role == Role.MANAGER) == 2
    assert Team.objects.count() == 4


@pytest.mark.django_db
def test_demo_with_another_seed_gives_other_people():
    demo_runner.run(seed=1, entities=0, show_progress=False)
    first = set(User.objects.values_list("username", flat=True))
    User.objects.all().delete()
    demo_runner.run(seed=2, entities=0, show_progress=False)

    assert set(User.objects.values_list("username", flat=True)) != first


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path):
    Team.objects.create(name="Kept")
    backup = tmp_path / "relata.backup"

    call_command("backup", str(backup), stdout=io.StringIO())
    Team.objects.create(name="Added after the backup")
    Team.objects.filter(name="Kept").delete()
    call_command("restore", str(backup), "--noinput", stdout=io.StringIO())

    assert backup.stat().st_size > 0
    assert list(Team.objects.values_list("name", flat=True)) == ["Kept"]


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    from django.core.management.base import CommandError

    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"this is not a database" * 100)
    Team.objects.create(name="Still here")

    with pytest.raises(CommandError):
        call_command("restore", str(bogus), "--noinput")

    assert Team.objects.filter(name="Still here").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[str]:
    out = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(pid)], text=True, capture_output=True, check=False
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(tmp_path):
    env = trial_env(tmp_path)
    assert relata("setup", "--no-demo", env=env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "relata", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        status = None
        for _attempt in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        kids = children_of(server.pid)

        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)

    assert status == 200
    assert any("worker" in k for k in kids), kids
    assert any("gunicorn" in k for k in kids), kids
    time.sleep(0.5)
    leftover = subprocess.run(
        ["pgrep", "-s", str(server.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert leftover == []


def test_createsuperuser_noinput_makes_an_administrator(tmp_path):
    env = trial_env(tmp_path)
    env["DJANGO_SUPERUSER_PASSWORD"] = "a-long-enough-passphrase-3"
    relata("migrate", "-v", "0", env=env)

    created = relata("createsuperuser", "--noinput", "--username", "root", env=env)
    check = relata(
        "shell",
        "-v",
        "0",
        "-c",
        (
            "from relata.core.models import User; u = User.objects.get(username='root'); "
            "print(u.role, u.is_administrator, u.check_password('a-long-enough-passphrase-3'))"
        ),
        env=env,
    )

    assert created.returncode == 0, created.stderr
    assert check.stdout.split() == ["administrator", "True", "True"]
