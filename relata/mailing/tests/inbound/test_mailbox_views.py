"""Mailbox settings and inbox pages: permissions, the write-only password, polling, links."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from relata.mailing.models import InboundAttachment, InboundMessage, Mailbox

from .conftest import PASSWORD
from .test_poller import make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(db):
    return Mailbox.objects.create(
        name="Ventas",
        host="127.0.0.1",
        port=1,
        security="none",
        username="u",
        password="old-secret",
    )


def make_message(mailbox, subject="Hola", **kw) -> InboundMessage:
    message = InboundMessage(
        mailbox=mailbox,
        message_id=f"{subject}@x",
        content_hash=subject.encode().hex().ljust(64, "0")[:64],
        subject=subject,
        from_address="ana@x.example",
        text="<script>alert(1)</script> hello",
        html="<script>alert(1)</script>",
        received_at=timezone.now(),
        **kw,
    )
    message.raw.save("m.eml", ContentFile(b"Subject: x\r\n\r\nhello"), save=False)
    message.save()
    return message


def test_mailbox_pages_are_for_administrators(client, agent, manager, mailbox):
    for user in (agent, manager):
        client.force_login(user)
        assert client.get(reverse("mailing:mailboxes")).status_code == 403
        assert client.get(reverse("mailing:mailbox_edit", args=[mailbox.pk])).status_code == 403
        assert client.post(reverse("mailing:mailbox_poll", args=[mailbox.pk])).status_code == 403


def test_create_mailbox_and_password_is_write_only(client, admin_user, case_types, team):
    client.force_login(admin_user)
    data = {
        "name": "Soporte", "kind": "support", "is_active": "on", "protocol": "imap",
        "host": "mail.example.com", "port": "", "security": "tls", "username": "soporte",
        "password": "p4ss", "folder": "INBOX", "after_read": "seen", "move_to": "",
        "tls_verify": "on", "tls_trusted_certificate": "", "log_known": "on",
        "known_contact_case_type": "", "unknown_sender_action": "lead",
        "unknown_case_type": case_types["incident"].pk, "assign_team": team.pk,
    }  # fmt: skip
    response = client.post(reverse("mailing:mailbox_create"), data)
    mailbox = Mailbox.objects.get(name="Soporte")
    assert response.status_code == 302
    assert mailbox.password == "p4ss" and mailbox.assign_team == team

    page = client.get(reverse("mailing:mailbox_edit", args=[mailbox.pk])).content.decode()
    assert "p4ss" not in page

    data["password"] = ""  # keeps the saved one
    data["host"] = "imap.example.com"
    client.post(reverse("mailing:mailbox_edit", args=[mailbox.pk]), data)
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password) == ("imap.example.com", "p4ss")

    data.update(protocol="pop3", after_read="move", move_to="Archive")
    response = client.post(reverse("mailing:mailbox_edit", args=[mailbox.pk]), data)
    assert response.status_code == 200
    assert "POP3 has no folders" in response.content.decode()


def test_test_connection_and_poll_now(client, admin_user, dovecot, corpus):
    user = dovecot.add_user()
    dovecot.deliver(user, corpus["01_plain_text"])
    mailbox = make_mailbox(dovecot, user)
    client.force_login(admin_user)

    response = client.post(reverse("mailing:mailbox_check", args=[mailbox.pk]), follow=True)
    assert "Connected: 1 messages" in response.content.decode()

    response = client.post(reverse("mailing:mailbox_poll", args=[mailbox.pk]), follow=True)
    assert "1 new messages" in response.content.decode()
    assert InboundMessage.objects.filter(mailbox=mailbox).count() == 1


def test_connection_errors_are_shown(client, admin_user, dovecot_for_failures):
    user = dovecot_for_failures.add_user()
    mailbox = make_mailbox(dovecot_for_failures, user, password="bad-" + PASSWORD)
    client.force_login(admin_user)

    response = client.post(reverse("mailing:mailbox_check", args=[mailbox.pk]), follow=True)
    assert "The connection failed" in response.content.decode()

    client.post(reverse("mailing:mailbox_poll", args=[mailbox.pk]))
    page = client.get(reverse("mailing:mailboxes")).content.decode()
    assert "rejected the user name or password" in page


def test_inbox_visibility(client, admin_user, agent, other_agent, mailbox, entity, other_entity):
    mine = make_message(mailbox, "Mine", entity=entity)
    theirs = make_message(mailbox, "Theirs", entity=other_entity)
    loose = make_message(mailbox, "Loose")

    client.force_login(admin_user)
    page = client.get(reverse("mailing:inbox")).content.decode()
    assert all(s in page for s in ("Mine", "Theirs", "Loose"))
    page = client.get(reverse("mailing:inbox"), {"linked": "no"}).content.decode()
    assert "Loose" in page and "Theirs" not in page

    client.force_login(agent)
    page = client.get(reverse("mailing:inbox")).content.decode()
    assert "Mine" in page and "Theirs" not in page and "Loose" not in page
    assert client.get(reverse("mailing:inbox_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("mailing:inbox_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("mailing:inbox_detail", args=[loose.pk])).status_code == 404
    assert client.get(reverse("mailing:inbox_raw", args=[mine.pk])).status_code == 403


def test_message_page_escapes_and_downloads(
    client, admin_user, agent, other_agent, mailbox, entity
):
    message = make_message(mailbox, "Adjunto", entity=entity)
    attachment = InboundAttachment(
        message=message, filename="x.html", content_type="text/html", size=5, sha256="0" * 64
    )
    attachment.file.save("abc", ContentFile(b"<b>x</b>"), save=False)
    attachment.save()

    client.force_login(agent)
    page = client.get(reverse("mailing:inbox_detail", args=[message.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hello" in page
    assert entity.get_absolute_url() in page

    response = client.get(reverse("mailing:inbox_attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"<b>x</b>"

    client.force_login(other_agent)
    assert client.get(reverse("mailing:inbox_attachment", args=[attachment.pk])).status_code == 404


def test_mailbox_api(client, admin_user, agent):
    client.force_login(agent)
    assert client.get("/api/v1/mailboxes/").status_code == 403

    client.force_login(admin_user)
    payload = {
        "name": "API box", "protocol": "pop3", "host": "pop.example.com", "security": "tls",
        "username": "box", "password": "hidden-pass", "after_read": "delete",
    }  # fmt: skip
    response = client.post("/api/v1/mailboxes/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert "password" not in response.json()
    mailbox = Mailbox.objects.get(name="API box")
    assert mailbox.password == "hidden-pass"

    response = client.patch(
        f"/api/v1/mailboxes/{mailbox.pk}/", {"after_read": "move"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "after_read" in response.json()["errors"]


def test_received_emails_api_is_scoped(client, agent, mailbox, entity, other_entity):
    mine = make_message(mailbox, "Mine", entity=entity)
    make_message(mailbox, "Theirs", entity=other_entity)
    client.force_login(agent)

    rows = client.get("/api/v1/received-emails/").json()["results"]

    assert [r["id"] for r in rows] == [mine.pk]
    assert "html" not in rows[0]
