"""Who may send and who may change templates."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.mailing import services
from relata.mailing.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def test_agent_cannot_email_a_contact_they_cannot_see(other_agent, recipient, service_template):
    with pytest.raises(PermissionDenied):
        services.email_send(user=other_agent, contacts=[recipient], template=service_template)
    assert not OutgoingEmail.objects.exists()


def test_read_only_cannot_send(reader, recipient, service_template):
    with pytest.raises(PermissionDenied):
        services.email_send(user=reader, contacts=[recipient], template=service_template)


def test_case_must_be_visible_and_of_the_recipients_entity(
    agent, admin_user, recipient, other_entity, make_case, service_template
):
    case = make_case()
    from relata.entities.models import Contact, EmailAddress

    stranger = Contact.objects.create(entity=other_entity, first_name="S")
    EmailAddress.objects.create(entity=other_entity, contact=stranger, email="s@example.com")
    with pytest.raises(PermissionDenied):
        services.email_send(user=agent, contacts=[stranger], template=service_template, case=case)
    with pytest.raises(ValidationError) as error:
        services.email_send(
            user=admin_user, contacts=[recipient, stranger], template=service_template, case=case
        )
    assert "case" in error.value.message_dict


def test_only_administrators_change_templates(agent, manager, service_template):
    for user in (agent, manager):
        with pytest.raises(PermissionDenied):
            services.template_create(
                user=user,
                data={"name": "X", "language": "en", "subject": "s", "body_html": "b"},
            )
        with pytest.raises(PermissionDenied):
            services.template_update(user=user, template=service_template, data={"name": "Y"})


def test_inactive_template_and_empty_message_refused(
    admin_user, agent, recipient, service_template
):
    services.template_update(user=admin_user, template=service_template, data={"is_active": False})
    with pytest.raises(ValidationError):
        services.email_send(user=agent, contacts=[recipient], template=service_template)
    with pytest.raises(ValidationError):
        services.email_send(user=agent, contacts=[recipient], subject="s", body_html=" ")
    with pytest.raises(ValidationError):
        services.email_send(user=agent, contacts=[], subject="s", body_html="b")
