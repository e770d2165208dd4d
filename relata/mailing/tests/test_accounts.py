"""Sending accounts: encrypted passwords, the sender of each user, one connection per account
(real aiosmtpd peers, one of them requiring a login), and the settings pages."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.db import connection
from django.urls import reverse

from relata.core import crypto
from relata.mailing import outbox, senders, services
from relata.mailing.models import (
    EmailStatus,
    Mailbox,
    OutgoingEmail,
    SenderAssignment,
    SendingAccount,
    SmtpSecurity,
)
from relata.mailing.tests.peers import free_port, smtp_peer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

LOGIN, SECRET = "mailer", "s3cret-pw"


class Inbox:
    def __init__(self) -> None:
        self.received: list[Any] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@contextmanager
def auth_peer() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server that requires LOGIN/PLAIN with LOGIN/SECRET (no TLS, local only)."""
    inbox = Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == LOGIN.encode()
            and auth_data.password == SECRET.encode()
        )
        if ok:
            inbox.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=ok)  # not handled: aiosmtpd answers 535

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _account(port: int, **extra: Any) -> SendingAccount:
    data = {
        "name": "Sales SMTP",
        "host": "127.0.0.1",
        "port": port,
        "security": SmtpSecurity.NONE,
        "username": LOGIN,
        "password": SECRET,
        "from_email": "ventas@example.com",
        "timeout": 5,
        **extra,
    }
    return SendingAccount.objects.create(**data)


def _raw(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


# --- Encryption ----------------------------------------------------------------------------


def test_passwords_are_encrypted_at_rest(admin_user):
    account = _account(25)
    mailbox = Mailbox.objects.create(
        name="Sales", host="imap.example.com", username="u", password="p4ss"
    )
    assert _raw("mailing_sendingaccount", account.pk).startswith("fernet:")
    assert SECRET not in _raw("mailing_sendingaccount", account.pk)
    assert _raw("mailing_mailbox", mailbox.pk).startswith("fernet:")
    assert SendingAccount.objects.get().password == SECRET
    assert Mailbox.objects.get().config().password == "p4ss"


def test_dedicated_key_and_rotation(settings):
    settings.RELATA_ENCRYPTION_KEY = ""
    old = crypto.encrypt("secret")  # under SECRET_KEY
    settings.RELATA_ENCRYPTION_KEY = "new-key,older-key"
    new = crypto.encrypt("secret")
    assert crypto.decrypt(old) == crypto.decrypt(new) == "secret"  # SECRET_KEY still opens
    settings.RELATA_ENCRYPTION_KEY = "older-key"
    assert crypto.decrypt(new) == ""  # only new-key opens it: unreadable, not a crash
    assert crypto.decrypt("legacy plain") == "legacy plain"


def test_migration_encrypts_existing_mailbox_passwords():
    import importlib

    migration = importlib.import_module("relata.mailing.migrations.0004_encrypt_mailbox_passwords")
    mailbox = Mailbox.objects.create(name="Old", host="imap.example.com", username="u")
    with connection.cursor() as cursor:  # as saved before 0003
        cursor.execute(
            "UPDATE mailing_mailbox SET password = %s WHERE id = %s", ["plain", mailbox.pk]
        )
    editor = SimpleNamespace(connection=connection)  # what RunPython functions use
    migration.encrypt(None, editor)
    migration.encrypt(None, editor)  # running twice changes nothing
    assert _raw("mailing_mailbox", mailbox.pk).startswith("fernet:")
    assert Mailbox.objects.get().password == "plain"
    migration.decrypt(None, editor)
    assert _raw("mailing_mailbox", mailbox.pk) == "plain"


# --- Who a message comes from --------------------------------------------------------------


def test_sender_without_accounts_uses_default_from(settings, agent):
    settings.DEFAULT_FROM_EMAIL = "Relata <crm@example.com>"
    sender = senders.sender_for(agent)
    assert sender.account is None
    assert sender.from_email == "Alex <crm@example.com>"
    assert sender.reply_to == "alex@example.com"


def test_sender_per_user_and_send_as_yourself(agent, manager, other_agent):
    default = _account(25, name="Default", is_default=True, from_email="crm@example.com")
    own = _account(26, name="Own", from_email="team@example.com", own_address_domain="example.com")
    SenderAssignment.objects.create(user=agent, account=own)
    # The agent's account allows their domain: From is their own address, no Reply-To.
    sender = senders.sender_for(agent)
    assert (sender.account, sender.from_email, sender.reply_to) == (
        own,
        "Alex <alex@example.com>",
        "",
    )
    # Others use the default account, under its address with their name.
    sender = senders.sender_for(manager)
    assert sender.account == default
    assert sender.from_email.endswith("<crm@example.com>") and sender.reply_to == manager.email
    # A user in another domain gets the account's address even on an "own address" account.
    other_agent.email = "oa@elsewhere.org"
    other_agent.save()
    SenderAssignment.objects.create(user=other_agent, account=own)
    sender = senders.sender_for(other_agent)
    assert (
        sender.from_email.endswith("<team@example.com>") and sender.reply_to == "oa@elsewhere.org"
    )
    # An inactive account is not used for new messages.
    own.is_active = False
    own.save()
    assert senders.sender_for(agent).account == default


def test_outbox_uses_one_connection_per_account(
    settings, agent, manager, make_contact, service_template
):
    a = make_contact("Ana", "ana@example.com")
    b = make_contact("Bea", "bea@example.com")
    with smtp_peer(settings) as installation, auth_peer() as (inbox, port):
        account = _account(port)
        SenderAssignment.objects.create(user=agent, account=account)
        services.email_send(user=agent, contacts=[a], template=service_template)
        services.email_send(user=manager, contacts=[b], template=service_template)
        outbox.drain(connections=1)
        assert (
            list(OutgoingEmail.objects.values_list("status", flat=True)) == [EmailStatus.SENT] * 2
        )
    assert inbox.logins == [LOGIN]  # logged in once, with the decrypted password
    (through_account,) = inbox.received
    assert through_account["To"].addresses[0].addr_spec == "ana@example.com"
    assert through_account["From"].addresses[0].addr_spec == "ventas@example.com"
    assert through_account["Reply-To"].addresses[0].addr_spec == "alex@example.com"
    (through_email_url,) = installation.received
    assert "bea@example.com" in through_email_url["To"]
    assert OutgoingEmail.objects.get(to_email="ana@example.com").account == account


def test_wrong_password_is_retried_not_lost(settings, agent, recipient, service_template):
    with auth_peer() as (inbox, port):
        account = _account(port, password="wrong", is_default=True)
        services.email_send(user=agent, contacts=[recipient], template=service_template)
        outbox.drain(connections=1)
        email = OutgoingEmail.objects.get()
        assert email.status == EmailStatus.QUEUED and email.attempts == 1
        assert "535" in email.last_error
        account.password = SECRET
        account.save()
        from django.utils import timezone

        outbox.drain(now=timezone.now() + outbox.BACKOFF[0], connections=1)
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT
    assert len(inbox.received) == 1


# --- Settings pages ------------------------------------------------------------------------


def test_account_pages_for_administrators_only(client, admin_user, agent, manager):
    client.force_login(agent)
    assert client.get(reverse("mailing:accounts")).status_code == 403
    assert client.get(reverse("mailing:account_create")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("mailing:accounts")).status_code == 200
    data = {
        "name": "Office",
        "host": "smtp.example.com",
        "security": "starttls",
        "username": "crm",
        "password": "pw-1",
        "from_email": "crm@example.com",
        "own_address_domain": "@Example.com",
        "is_default": "on",
        "is_active": "on",
        "timeout": "30",
        "users": [agent.pk, manager.pk],
    }
    response = client.post(reverse("mailing:account_create"), data)
    assert response.status_code == 302, response.content[:2000]
    account = SendingAccount.objects.get()
    assert account.password == "pw-1" and account.own_address_domain == "example.com"
    assert account.effective_port == 587 and account.is_default
    assert set(account.assignments.values_list("user_id", flat=True)) == {agent.pk, manager.pk}
    page = client.get(reverse("mailing:account_edit", args=[account.pk]))
    assert b"pw-1" not in page.content and b"check-connection" in page.content
    # Empty password keeps the saved one; a second default replaces the first.
    response = client.post(
        reverse("mailing:account_create"),
        {**data, "name": "Other", "password": "", "users": [agent.pk]},
    )
    assert response.status_code == 302
    other = SendingAccount.objects.get(name="Other")
    account.refresh_from_db()
    assert other.is_default and not account.is_default
    assert SenderAssignment.objects.get(user=agent).account == other  # moved
    client.post(reverse("mailing:account_edit", args=[account.pk]), {**data, "password": ""})
    account.refresh_from_db()
    assert account.password == "pw-1"
    # Invalid: shown on the form, nothing saved.
    refused = client.post(reverse("mailing:account_create"), {**data, "name": "N", "password": "ñ"})
    assert b"ASCII" in refused.content
    bad = client.post(reverse("mailing:account_create"), {**data, "name": "Bad", "from_email": "x"})
    assert bad.status_code == 200 and b"form-errors" in bad.content
    assert not SendingAccount.objects.filter(name="Bad").exists()
    client.post(reverse("mailing:account_delete", args=[other.pk]))
    assert not SendingAccount.objects.filter(pk=other.pk).exists()


def test_test_connection_button(client, admin_user):
    client.force_login(admin_user)
    with auth_peer() as (_inbox, port):
        account = _account(port)
        response = client.post(reverse("mailing:account_check", args=[account.pk]), follow=True)
        assert b"logged in" in response.content
        account.password = "wrong"
        account.save()
        response = client.post(reverse("mailing:account_check", args=[account.pk]), follow=True)
        assert b"The connection failed" in response.content and b"535" in response.content
    response = client.post(reverse("mailing:account_check", args=[account.pk]), follow=True)
    assert b"The connection failed" in response.content  # nothing listens any more


def test_compose_and_detail_show_the_sender(client, agent, recipient, service_template):
    account = _account(25, name="Team", own_address_domain="example.com", is_active=True)
    SenderAssignment.objects.create(user=agent, account=account)
    client.force_login(agent)
    page = client.get(f"{reverse('mailing:compose')}?contact={recipient.pk}")
    assert page.status_code == 200
    assert b'id="compose-sender"' in page.content and b"alex@example.com" in page.content
    result = services.email_send(user=agent, contacts=[recipient], template=service_template)
    detail = client.get(reverse("mailing:detail", args=[result.emails[0].pk]))
    assert b"Sending account" in detail.content and b"Team" in detail.content
