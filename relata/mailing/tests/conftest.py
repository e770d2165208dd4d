"""Fixtures of the outbound email tests: recipients with addresses and templates."""

from __future__ import annotations

import pytest

from relata.cases.tests.conftest import *  # noqa: F403


@pytest.fixture
def make_contact(entity):
    """``make_contact(first_name, email, entity=…, opt_in=False)``: a contact with a main
    email address."""
    from relata.entities.models import Contact, EmailAddress

    def make(first_name="Carmen", email="carmen@example.com", *, of=None, opt_in=False):
        owner = of or entity
        contact = Contact.objects.create(
            entity=owner, first_name=first_name, last_name="Ruiz", email_opt_in=opt_in
        )
        if email:
            EmailAddress.objects.create(entity=owner, contact=contact, email=email, is_main=True)
        return contact

    return make


@pytest.fixture
def recipient(make_contact):
    return make_contact("Carmen", "carmen@example.com", opt_in=True)


@pytest.fixture
def service_template(admin_user):
    from relata.mailing import services

    return services.template_create(
        user=admin_user,
        data={
            "name": "Follow-up",
            "language": "en",
            "purpose": "service",
            "subject": "About {{ case.subject or entity.name }}",
            "body_html": "<p>Hello {{ contact.first_name }},</p><p>Regards, {{ sender.name }}</p>",
            "body_text": "",
        },
    )


@pytest.fixture
def marketing_template(admin_user):
    from relata.mailing import services

    return services.template_create(
        user=admin_user,
        data={
            "name": "Spring offer",
            "language": "en",
            "purpose": "marketing",
            "subject": "Spring offer for {{ entity.name }}",
            "body_html": "<p>Dear {{ contact.full_name }}, our offer.</p>",
            "body_text": "",
        },
    )
