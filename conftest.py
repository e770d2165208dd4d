"""Fixtures shared by every test: users in each role, API clients, and browser settings."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must still allow
# database access from it (the live server runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Run queued jobs inline, keep static files simple, and start each test clean."""
    from django.core.cache import cache
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Per process: parallel test workers must not clear each other's cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def _make_user(username: str, role: str, teams=()):
    from relata.core.services import user_create

    return user_create(
        by=None,
        username=username,
        password=PASSWORD,
        role=role,
        email=f"{username}@example.com",
        first_name=username.title(),
        teams=list(teams),
    )


@pytest.fixture
def team(db):
    from relata.core.models import Team

    return Team.objects.create(name="North")


@pytest.fixture
def other_team(db):
    from relata.core.models import Team

    return Team.objects.create(name="South")


@pytest.fixture
def admin_user(db):
    from relata.core.models import Role

    return _make_user("ada", Role.ADMINISTRATOR)


@pytest.fixture
def manager(db, team):
    from relata.core.models import Role

    return _make_user("maria", Role.MANAGER, [team])


@pytest.fixture
def agent(db, team):
    from relata.core.models import Role

    return _make_user("alex", Role.AGENT, [team])


@pytest.fixture
def other_agent(db, other_team):
    from relata.core.models import Role

    return _make_user("olga", Role.AGENT, [other_team])


@pytest.fixture
def reader(db, team):
    from relata.core.models import Role

    return _make_user("rita", Role.READ_ONLY, [team])


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# --- A real SMTP peer -----------------------------------------------------------------


@pytest.fixture
def smtp_server(settings):
    """Start an aiosmtpd server on a free local port and point Django's SMTP backend at it.

    Yields the list of received ``email.message.EmailMessage`` objects.
    """
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 Message accepted for delivery"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield received
    finally:
        controller.stop()


# --- Browser tests (Playwright driving Debian's Chromium) -------------------------------

CHROMIUM = os.environ.get("RELATA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            # CI containers often have a tiny /dev/shm, where Chromium's tabs crash.
            "--disable-dev-shm-usage",
        ],
    }
