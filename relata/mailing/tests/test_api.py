"""The email API: templates, sent emails (scoped), and POST /api/v1/emails/send/."""

from __future__ import annotations

import pytest

from relata.mailing import services
from relata.mailing.models import EmailTemplate, OutgoingEmail

pytestmark = pytest.mark.django_db


def test_send_and_list(api_client, agent, other_agent, recipient, service_template):
    api_client.force_authenticate(agent)
    response = api_client.post(
        "/api/v1/emails/send/",
        {"contacts": [recipient.pk], "template": service_template.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["queued"] == 1 and len(body["emails"]) == 1 and len(body["actions"]) == 1
    email = OutgoingEmail.objects.get()
    assert body["emails"][0]["message_id"] == email.message_id
    listed = api_client.get("/api/v1/emails/", {"entity": recipient.entity_id}).json()
    assert [row["id"] for row in listed["results"]] == [email.pk]
    api_client.force_authenticate(other_agent)
    assert api_client.get("/api/v1/emails/").json()["results"] == []
    assert api_client.get(f"/api/v1/emails/{email.pk}/").status_code == 404


def test_send_refusals(api_client, reader, other_agent, agent, recipient, service_template):
    payload = {"contacts": [recipient.pk], "template": service_template.pk}
    api_client.force_authenticate(reader)
    assert api_client.post("/api/v1/emails/send/", payload, format="json").status_code == 403
    api_client.force_authenticate(other_agent)
    assert api_client.post("/api/v1/emails/send/", payload, format="json").status_code == 403
    api_client.force_authenticate(agent)
    bad = api_client.post(
        "/api/v1/emails/send/",
        {"contacts": [recipient.pk], "subject": "x", "body_html": "{{ contact.save() }}"},
        format="json",
    )
    assert bad.status_code == 400
    assert "body_html" in bad.json()["errors"]
    assert not OutgoingEmail.objects.exists()


def test_templates_read_by_all_written_by_administrators(api_client, agent, admin_user):
    data = {"name": "T", "language": "en", "purpose": "service", "subject": "Hi",
            "body_html": "<p>{{ contact.first_name }}</p>"}  # fmt: skip
    api_client.force_authenticate(agent)
    assert api_client.post("/api/v1/email-templates/", data, format="json").status_code == 403
    api_client.force_authenticate(admin_user)
    created = api_client.post("/api/v1/email-templates/", data, format="json")
    assert created.status_code == 201
    hostile = api_client.patch(
        f"/api/v1/email-templates/{created.json()['id']}/",
        {"body_html": "{{ ''.__class__.__mro__ }}"},
        format="json",
    )
    assert hostile.status_code == 400 and "body_html" in hostile.json()["errors"]
    assert EmailTemplate.objects.get().body_html == data["body_html"]
    api_client.force_authenticate(agent)
    assert len(api_client.get("/api/v1/email-templates/").json()["results"]) == 1


def test_api_send_uses_the_same_service(agent, recipient, service_template):
    # The timeline action exists for API sends as for UI sends (same service).
    result = services.email_send(user=agent, contacts=[recipient], template=service_template)
    assert result.actions[0].outgoing_emails.count() == 1
