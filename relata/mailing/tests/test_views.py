"""The pages: outbox, compose (with preview), templates, panels; permissions on each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.mailing import services
from relata.mailing.models import EmailStatus, EmailTemplate, OutgoingEmail

pytestmark = pytest.mark.django_db


def test_outbox_shows_only_visible_emails(client, agent, other_agent, recipient, service_template):
    services.email_send(user=agent, contacts=[recipient], template=service_template)
    email = OutgoingEmail.objects.get()
    client.force_login(agent)
    page = client.get(reverse("mailing:outbox"))
    assert page.status_code == 200 and b"Carmen Ruiz" in page.content
    assert client.get(reverse("mailing:detail", args=[email.pk])).status_code == 200
    client.force_login(other_agent)
    page = client.get(reverse("mailing:outbox"))
    assert b"Carmen Ruiz" not in page.content
    assert client.get(reverse("mailing:detail", args=[email.pk])).status_code == 404
    assert client.post(reverse("mailing:retry", args=[email.pk])).status_code == 404


def test_outbox_filters_and_htmx_rows(client, agent, make_contact, service_template):
    a = make_contact("Ana", "ana@example.com")
    b = make_contact("Bea", "bea@example.com")
    services.email_send(user=agent, contacts=[a, b], template=service_template)
    OutgoingEmail.objects.filter(to_email="bea@example.com").update(status=EmailStatus.FAILED)
    client.force_login(agent)
    page = client.get(reverse("mailing:outbox"), {"status": "failed"}, HTTP_HX_REQUEST="true",
                      HTTP_HX_TARGET="email-rows")  # fmt: skip
    assert b"Bea Ruiz" in page.content and b"Ana Ruiz" not in page.content
    assert b"<html" not in page.content


def test_compose_page_and_send(
    client, smtp_server, agent, recipient, service_template, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    url = f"{reverse('mailing:compose')}?contact={recipient.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{recipient.pk}" id="recipient-{recipient.pk}" checked'.encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "template": service_template.pk,
                "recipients": [recipient.pk],
                "subject": "Hi {{ contact.first_name }}",
                "body_html": "<p>Edited for {{ contact.first_name }}</p>",
            },
        )
    assert response.status_code == 302
    email = OutgoingEmail.objects.get()
    assert response["Location"].endswith(f"batch={email.batch}")
    assert email.status == EmailStatus.SENT and email.template == service_template
    assert smtp_server[0]["Subject"] == "Hi Carmen"


def test_compose_hostile_template_is_a_form_error(client, agent, recipient):
    client.force_login(agent)
    url = f"{reverse('mailing:compose')}?contact={recipient.pk}"
    response = client.post(
        url,
        {"recipients": [recipient.pk], "subject": "s", "body_html": "{{ contact.__class__ }}"},
    )
    assert response.status_code == 200
    assert b"may not use" in response.content
    assert not OutgoingEmail.objects.exists()
    preview = client.post(
        f"{reverse('mailing:compose_preview')}?contact={recipient.pk}",
        {"subject": "s", "body_html": "{{ cycler.__init__.__globals__ }}"},
    )
    assert preview.status_code == 200 and b"preview-error" in preview.content


def test_compose_preview_personalises(client, agent, recipient):
    client.force_login(agent)
    preview = client.post(
        f"{reverse('mailing:compose_preview')}?contact={recipient.pk}",
        {"recipients": [recipient.pk], "subject": "Hi {{ contact.first_name }}", "body_html": "x"},
    )
    assert b"Hi Carmen" in preview.content


def test_compose_permissions(client, reader, other_agent, recipient):
    url = f"{reverse('mailing:compose')}?contact={recipient.pk}"
    client.force_login(other_agent)
    assert client.get(url).status_code == 404
    client.force_login(reader)
    assert client.get(url).status_code == 403


def test_compose_to_a_segment(client, agent, entity, make_contact, service_template):
    from relata.entities.models import Segment

    make_contact("Ana", "ana@example.com")
    make_contact("Bea", "bea@example.com")
    segment = Segment.objects.create(name="All", definition={}, owner=agent)
    client.force_login(agent)
    url = f"{reverse('mailing:compose')}?segment={segment.pk}"
    # The segment's page links to it.
    detail = client.get(reverse("entities:entities_segments:detail", args=[segment.pk]))
    assert f'href="{url}"'.encode() in detail.content
    page = client.get(url)
    assert page.status_code == 200, page.content[:500]
    assert b"segment-count" in page.content
    response = client.post(url, {"subject": "Hello", "body_html": "<p>Hi</p>"})
    assert response.status_code == 302
    assert set(OutgoingEmail.objects.values_list("to_email", flat=True)) == {
        "ana@example.com",
        "bea@example.com",
    }


def test_segment_page_has_no_send_button_for_readers(client, reader, team):
    from relata.entities.models import Segment

    segment = Segment.objects.create(name="All", definition={}, owner=reader, team=team)
    client.force_login(reader)
    page = client.get(reverse("entities:entities_segments:detail", args=[segment.pk]))
    assert page.status_code == 200
    assert b"segment-send-email" not in page.content


def test_template_pages_for_administrators_only(client, admin_user, agent, service_template):
    client.force_login(agent)
    assert client.get(reverse("mailing:templates")).status_code == 200
    assert client.get(reverse("mailing:template_create")).status_code == 403
    assert (
        client.post(reverse("mailing:template_delete", args=[service_template.pk])).status_code
        == 403
    )
    client.force_login(admin_user)
    bad = client.post(
        reverse("mailing:template_create"),
        {"name": "Bad", "language": "en", "purpose": "service", "subject": "s",
         "body_html": "{% include 'x' %}", "is_active": "on"},
    )  # fmt: skip
    assert bad.status_code == 200 and b"cannot include" in bad.content
    good = client.post(
        reverse("mailing:template_create"),
        {"name": "Good", "language": "es", "purpose": "marketing", "subject": "Hola",
         "body_html": "<p>{{ contact.first_name }}</p>", "is_active": "on"},
    )  # fmt: skip
    assert good.status_code == 302
    assert EmailTemplate.objects.filter(name="Good", purpose="marketing").exists()


def test_template_preview_with_a_contact(client, admin_user, recipient, other_agent):
    client.force_login(admin_user)
    response = client.post(
        reverse("mailing:template_preview"),
        {"subject": "Hola {{ contact.first_name }}", "body_html": "x",
         "preview_contact": recipient.pk},
    )  # fmt: skip
    assert b"Hola Carmen" in response.content
    sample = client.post(
        reverse("mailing:template_preview"),
        {"subject": "{{ contact.first_name }}", "body_html": "x"},
    )
    assert b"Carmen" in sample.content  # the sample contact
    client.force_login(other_agent)
    response = client.post(
        reverse("mailing:template_preview"),
        {"subject": "x", "body_html": "x", "preview_contact": recipient.pk},
    )
    assert response.status_code == 404


def test_panels_on_entity_contact_and_case_pages(
    client, agent, reader, recipient, make_case, service_template
):
    case = make_case(contact=recipient)
    services.email_send(user=agent, contacts=[recipient], template=service_template, case=case)
    client.force_login(agent)
    for url in (
        recipient.entity.get_absolute_url(),
        recipient.get_absolute_url(),
        case.get_absolute_url(),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert b'id="emails-panel"' in page.content and b"send-email-button" in page.content
        assert b"About Renewal 2031" in page.content
    client.force_login(reader)
    page = client.get(recipient.entity.get_absolute_url())
    assert b'id="emails-panel"' in page.content and b"send-email-button" not in page.content


def test_template_attachments_go_with_every_message(
    client, admin_user, agent, recipient, smtp_server, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    pdf = SimpleUploadedFile("terms.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        reverse("mailing:template_create"),
        {"name": "With terms", "language": "en", "purpose": "service", "subject": "Terms",
         "body_html": "<p>Attached.</p>", "is_active": "on", "new_attachments": [pdf]},
    )  # fmt: skip
    assert response.status_code == 302
    template = EmailTemplate.objects.get(name="With terms")
    (attachment,) = template.attachments.all()
    with django_capture_on_commit_callbacks(execute=True):
        services.email_send(user=agent, contacts=[recipient], template=template)
    (part,) = list(smtp_server[0].iter_attachments())
    assert part.get_filename() == "terms.pdf"
    # Removing it from the template keeps the file of the message already sent.
    client.post(reverse("mailing:template_attachment_delete", args=[attachment.pk]))
    assert not template.attachments.exists()
    assert OutgoingEmail.objects.get().attachments.get().pk == attachment.pk
    refused = client.post(
        reverse("mailing:template_edit", args=[template.pk]),
        {"name": "With terms", "language": "en", "purpose": "service", "subject": "Terms",
         "body_html": "<p>x</p>", "is_active": "on",
         "new_attachments": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary")]},
    )  # fmt: skip
    assert refused.status_code == 200 and b"cannot be kept" in refused.content
    template.refresh_from_db()
    assert template.body_html == "<p>Attached.</p>"  # all or nothing
