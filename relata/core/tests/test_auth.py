"""Log in, log out, password change and reset by email, and login throttling."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="192.0.2.10"
    )


def test_login_and_logout(client, agent):
    response = login(client, "alex")
    home = client.get(reverse("home"))
    logout = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "Hello, Alex" in home.content.decode()
    assert logout["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_shows_a_message(client, agent):
    response = login(client, "alex", "wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_five_failures_lock_the_account_from_that_address(client, agent):
    for _attempt in range(5):
        login(client, "alex", "wrong")

    locked = login(client, "alex")

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link_by_smtp(client, agent, smtp_server):
    response = client.post(reverse("password_reset"), {"email": "alex@example.com"})

    assert response.status_code == 302
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "alex@example.com"
    assert message["Subject"] == "Reset your Relata password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.get_content()).group(1)
    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase-7", "new_password2": "a-brand-new-passphrase-7"},
    )
    agent.refresh_from_db()
    assert done.status_code == 302
    assert agent.check_password("a-brand-new-passphrase-7")


def test_password_reset_for_unknown_address_sends_nothing(client, agent, smtp_server):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert smtp_server == []


def test_password_change(client, agent):
    client.force_login(agent)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase-9",
            "new_password2": "another-long-passphrase-9",
        },
    )
    agent.refresh_from_db()

    assert response.status_code == 302
    assert agent.check_password("another-long-passphrase-9")


def test_api_token_endpoint_is_throttled_by_axes_too(api_client, agent):
    for _attempt in range(5):
        api_client.post(
            reverse("api-token"),
            {"username": "alex", "password": "bad"},
            format="json",
            REMOTE_ADDR="192.0.2.20",
        )

    response = api_client.post(
        reverse("api-token"),
        {"username": "alex", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="192.0.2.20",
    )

    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many failed attempts: logging in is blocked for 15 minutes.",
        "code": "locked_out",
    }
