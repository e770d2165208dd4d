"""The first journey in a real browser: log in, see the home page, log out.

Run at desktop size and at phone size, where the navigation moves into an offcanvas
panel behind the navbar toggler.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def icon_label(text: str) -> re.Pattern[str]:
    """An accessible name that is exactly ``text`` after an optional icon glyph.

    Bootstrap Icons are drawn with a private-use character in ``::before``, which
    Chromium includes in the accessible name of links like "<i class=bi></i> Entities".
    """
    return re.compile(rf"^\W*{re.escape(text)}$")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_log_in_see_home_and_log_out(page, live_server, make_user, screen, tmp_path):
    make_user("dana", "Dana")
    home = f"{live_server.url}/"
    login = f"{live_server.url}/accounts/login/"

    # An anonymous visit to the home page lands on the login form.
    page.goto(home)
    expect(page).to_have_url(f"{login}?next=/")
    expect(page.locator("h1")).to_have_text("Log in")

    page.locator("#id_username").fill("dana")
    page.locator("#id_password").fill("correct-horse-battery-staple-42")
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(home)
    expect(page.locator("h1")).to_have_text("Control panel")
    expect(page.locator("#panel-scope-label")).to_contain_text("Hello, Dana")
    expect(page).to_have_title("Control panel · Relata")

    sidebar = page.locator("#sidebar")
    entities = sidebar.get_by_role("link", name=icon_label("Entities"))
    toggler = page.locator("button.navbar-toggler")
    if screen == "phone":
        # The navigation hides in an offcanvas panel until the toggler opens it.
        expect(entities).to_be_hidden()
        expect(toggler).to_be_visible()
        toggler.click()
        expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
        expect(entities).to_be_visible()
        expect(entities).to_have_attribute("href", "/entities/")
        page.screenshot(path=tmp_path / "home-phone-menu.png")
        sidebar.get_by_role("button", name="Close").click()
        expect(entities).to_be_hidden()
    else:
        # A permanent sidebar; no toggler.
        expect(toggler).to_be_hidden()
        expect(entities).to_be_visible()
        expect(entities).to_have_attribute("href", "/entities/")
    # The current page is marked in the navigation (checked whether shown or not).
    current = sidebar.locator('a[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("href", "/")
    expect(current).to_contain_text("Control panel")
    page.screenshot(path=tmp_path / f"home-{screen}.png", full_page=True)
    assert (tmp_path / f"home-{screen}.png").stat().st_size > 0

    # Log out from the user menu (a POST form inside the dropdown).
    logout = page.locator("#logout-button")
    expect(logout).to_be_hidden()
    page.locator("#user-menu").click()
    expect(logout).to_be_visible()
    logout.click()

    expect(page).to_have_url(login)
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)

    # The session is really gone: the home page asks to log in again.
    page.goto(home)
    expect(page).to_have_url(f"{login}?next=/")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_wrong_password_shows_error_and_stays_on_login(page, live_server, make_user, screen):
    make_user("dana", "Dana")

    log_in(page, live_server, "dana", password="not-the-password")

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_have_text(
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    )
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("#id_username")).to_have_value("dana")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#user-menu")).to_have_count(0)
