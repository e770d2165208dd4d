"""Screenshots of the main pages at desktop and phone size, checked for sideways overflow.

Every run saves the pictures into a temporary folder. With ``RELATA_SCREENSHOTS=1`` they go
to ``docs/screenshots/`` instead, for the documentation and for a human to look at::

    RELATA_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# (file name, path, heading on the page)
PAGES = [
    ("settings", "/settings/", "Settings"),
    ("users", "/settings/users/", "Users"),
    ("parameters", "/settings/parameters/", "General parameters"),
]


@pytest.fixture
def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("RELATA_SCREENSHOTS") == "1":
        DOCS_DIR.mkdir(parents=True, exist_ok=True)
        return DOCS_DIR
    return tmp_path


def assert_layout(page, screen: str) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling of the whole page; on desktop, the sidebar keeps its width."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the viewport"
    if screen == "desktop" and page.locator("#sidebar").count():
        width = page.locator("#sidebar").bounding_box()["width"]
        assert width == 224, f"{page.url}: the sidebar is {width}px wide, not 14rem"


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_screenshots_of_main_pages(page, live_server, make_user, screen, shots_dir):
    from relata.core.models import Role, Team

    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    make_user("ada", "Ada", role=Role.ADMINISTRATOR, last_name="Lovelace", email="ada@example.com")
    make_user(
        "maria",
        "María",
        role=Role.MANAGER,
        last_name="García Fernández",
        email="maria.garcia.fernandez@example.com",
        teams=[north],
    )
    make_user("alex", "Alex", last_name="Smith", email="alex@example.com", teams=[north])
    make_user("olga", "Olga", last_name="Ivanova", email="olga@example.com", teams=[south])
    make_user(
        "rita",
        "Rita",
        role=Role.READ_ONLY,
        last_name="Moreno",
        email="rita@example.com",
        teams=[north, south],
    )

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_have_text("Log in")
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"login-{screen}.png", full_page=True)

    log_in(page, live_server, "ada")
    expect(page.locator("#panel-scope-label")).to_contain_text("Hello, Ada")
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"home-{screen}.png", full_page=True)
    if screen == "phone":
        page.locator("button.navbar-toggler").click()
        expect(page.locator("#sidebar")).to_be_visible()
        # Let the slide-in transition end before taking the picture.
        page.wait_for_function("!document.querySelector('#sidebar').classList.contains('showing')")
        # The panel leaves a strip of the page visible, so it reads as a menu.
        assert page.locator("#sidebar").bounding_box()["width"] < 390 * 0.9
        page.screenshot(path=shots_dir / "home-phone-menu.png")

    for name, path, heading in PAGES:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_text(heading)
        assert_layout(page, screen)
        page.screenshot(path=shots_dir / f"{name}-{screen}.png", full_page=True)
