"""Consent: marketing only to opted-in, unsuppressed contacts; one-click unsubscribe."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from relata.entities.models import Contact
from relata.mailing import consent, services
from relata.mailing.models import EmailStatus, OutgoingEmail, Suppression

pytestmark = pytest.mark.django_db


def test_marketing_goes_only_to_consenting_contacts(
    smtp_server, agent, make_contact, marketing_template, django_capture_on_commit_callbacks
):
    yes = make_contact("Yes", "yes@example.com", opt_in=True)
    no = make_contact("No", "no@example.com", opt_in=False)
    gone = make_contact("Gone", "gone@example.com", opt_in=True)
    Suppression.objects.create(address="gone@example.com", reason="unsubscribed")
    nomail = make_contact("Nomail", "", opt_in=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.email_send(
            user=agent, contacts=[yes, no, gone, nomail], template=marketing_template
        )
    assert result.without_address == [nomail]
    statuses = dict(OutgoingEmail.objects.values_list("to_email", "status"))
    assert statuses == {
        "yes@example.com": EmailStatus.SENT,
        "no@example.com": EmailStatus.SUPPRESSED,
        "gone@example.com": EmailStatus.SUPPRESSED,
    }
    assert "does not accept" in OutgoingEmail.objects.get(to_email="no@example.com").last_error
    assert "suppression" in OutgoingEmail.objects.get(to_email="gone@example.com").last_error
    assert [m["X-Envelope-To"] for m in smtp_server] == ["yes@example.com"]
    # The timeline says who was left out.
    assert "no@example.com" in result.actions[0].description


def test_service_email_ignores_marketing_consent(agent, make_contact, service_template):
    contact = make_contact("No", "no@example.com", opt_in=False)
    Suppression.objects.create(address="no@example.com", reason="unsubscribed")
    result = services.email_send(user=agent, contacts=[contact], template=service_template)
    assert result.emails[0].status == EmailStatus.QUEUED


def test_marketing_headers_and_visible_link(
    smtp_server, agent, recipient, marketing_template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_send(user=agent, contacts=[recipient], template=marketing_template)
    (message,) = smtp_server
    header = message["List-Unsubscribe"].strip()
    assert re.fullmatch(r"<https?://[^>]+/email/unsubscribe/[^>]+/>", header)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:-1]
    assert url in message.get_body(("html",)).get_content()
    assert url in message.get_body(("plain",)).get_content()


def test_template_link_is_not_duplicated(admin_user, agent, recipient):
    template = services.template_create(
        user=admin_user,
        data={
            "name": "News",
            "language": "es",
            "purpose": "marketing",
            "subject": "News",
            "body_html": '<p>Hi</p><a href="{{ unsubscribe_url }}">Baja</a>',
        },
    )
    result = services.email_send(user=agent, contacts=[recipient], template=template)
    html = result.emails[0].body_html
    url = result.emails[0].headers["List-Unsubscribe"][1:-1]
    assert html.count(url.replace("&", "&amp;")) == 1 or html.count(url) == 1
    assert "Unsubscribe from these emails" not in html


def _path(contact: Contact, address: str) -> str:
    return consent.unsubscribe_url(address, contact.pk).split("://", 1)[1].split("/", 1)[1]


def test_unsubscribe_get_confirms_post_records(recipient):
    client = Client(enforce_csrf_checks=True)
    path = "/" + _path(recipient, "carmen@example.com")
    page = client.get(path)
    assert page.status_code == 200
    assert b"carmen@example.com" in page.content
    recipient.refresh_from_db()
    assert recipient.email_opt_in  # a GET (a link scanner) changes nothing
    assert not Suppression.objects.exists()
    # RFC 8058 one-click: a POST with no cookie and no CSRF token.
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    recipient.refresh_from_db()
    assert not recipient.email_opt_in
    assert recipient.email_opt_in_source == "one-click"
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.reason) == ("carmen@example.com", "unsubscribed")
    # Idempotent.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Suppression.objects.count() == 1
    assert b"already" in client.get(path).content


def test_forged_token_is_404(recipient):
    from django.core import signing

    client = Client()
    token = consent.unsubscribe_token("carmen@example.com", recipient.pk)
    _payload, signature = token.rsplit(":", 1)
    other = signing.Signer(salt=consent.SALT).sign_object({"a": "x@example.com", "c": 1})
    tampered = f"{other.rsplit(':', 1)[0]}:{signature}"
    wrong_salt = signing.Signer(salt="other").sign_object({"a": "carmen@example.com", "c": 1})
    for bad in (f"{token}x", tampered, wrong_salt, "nonsense"):
        assert client.post(f"/email/unsubscribe/{bad}/").status_code == 404
        assert client.get(f"/email/unsubscribe/{bad}/").status_code == 404
    recipient.refresh_from_db()
    assert recipient.email_opt_in


def test_bounce_replaces_softer_suppression():
    consent.suppress("A@Example.com", "unsubscribed", "x")
    consent.suppress("a@example.com", "bounced", "y")
    assert Suppression.objects.get().reason == "bounced"
    consent.suppress("a@example.com", "unsubscribed", "z")
    assert Suppression.objects.get().reason == "bounced"
