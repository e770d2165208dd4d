"""Switching the interface to Spanish from the login page, before logging in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_switch_to_spanish_on_login_page_and_keep_it_after_login(page, live_server, make_user):
    make_user("dana", "Dana")
    login = f"{live_server.url}/accounts/login/"
    page.goto(login)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")

    page.get_by_role("button", name="Español", exact=True).click()

    expect(page).to_have_url(login)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Iniciar sesión")
    expect(page.get_by_label("Nombre de usuario")).to_be_visible()
    expect(page.get_by_label("Contraseña")).to_be_visible()
    # The switch now offers the way back.
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Español", exact=True)).to_have_count(0)

    # The choice outlives the login: the home page greets in Spanish.
    page.locator("#id_username").fill("dana")
    page.locator("#id_password").fill("correct-horse-battery-staple-42")
    page.get_by_role("button", name="Iniciar sesión", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Panel de control")
    expect(page.locator("#panel-scope-label")).to_contain_text("Hola, Dana")
    expect(
        page.locator("#sidebar").get_by_role("link", name=re.compile(r"^\W*Entidades$"))
    ).to_be_visible()


def test_switch_back_to_english(page, live_server):
    login = f"{live_server.url}/accounts/login/"
    page.goto(login)
    page.get_by_role("button", name="Español", exact=True).click()
    expect(page.locator("h1")).to_have_text("Iniciar sesión")

    page.get_by_role("button", name="English", exact=True).click()

    expect(page).to_have_url(login)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")
