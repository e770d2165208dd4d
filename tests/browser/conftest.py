"""Browser-test fixtures: screen sizes, a fresh browser context per test, and users.

The Chromium binary and its launch arguments come from the root ``conftest.py``. Each test
gets a new context (cookies, storage) sized for the screen it asks for: ``desktop`` unless
the test parametrizes ``screen``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, PASSWORD

SCREENS: dict[str, dict] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

# Fail fast: a page of this app renders in milliseconds, so ten seconds means "broken".
TIMEOUT_MS = 10_000
# The web-first assertions wait 5 s by default, less than the actions they check; on a
# loaded 2-core CI machine a page can take longer to settle.
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Skip browser tests on a developer machine without Chromium; never in CI."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (set RELATA_CHROMIUM)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def screen() -> str:
    """The screen size of the test; parametrize ``screen`` to run at other sizes."""
    return "desktop"


@pytest.fixture
def context(new_context, screen):  # type: ignore[no-untyped-def]
    """A fresh browser context at the test's screen size (overrides pytest-playwright's)."""
    ctx = new_context(**SCREENS[screen])
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    return ctx


@pytest.fixture
def make_user(transactional_db):  # type: ignore[no-untyped-def]
    """Create a user whose password is ``PASSWORD``; the live server sees it at once."""
    from relata.core.models import Role
    from relata.core.services import user_create

    def make(username: str, first_name: str, role: str = Role.AGENT, **extra):  # type: ignore[no-untyped-def]
        return user_create(
            by=None, username=username, password=PASSWORD, role=role, first_name=first_name, **extra
        )

    return make


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Fill in and submit the login form (the page is opened first)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
