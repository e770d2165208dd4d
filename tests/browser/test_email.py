"""Sending an email in a real browser, at desktop and phone size: from the entity's Emails
panel, choose a template, preview, send, and find the message in the outbox. Screenshots go
to a temporary folder (``shots_dir``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_screenshots import assert_layout, shots_dir  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_send_from_the_entity_page(page, live_server, make_user, screen, shots_dir):
    from relata.core.models import Role, Team
    from relata.entities.models import Contact, EmailAddress, Entity, EntityKind, KindMeaning
    from relata.mailing import services

    team = Team.objects.create(name="North")
    alex = make_user("alex", "Alex", last_name="Smith", teams=[team])
    ada = make_user("ada", "Ada", role=Role.ADMINISTRATOR)
    kind = EntityKind.objects.create(
        code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )
    entity = Entity.objects.create(kind=kind, legal_name="Acme Trading SL", owner=alex, team=team)
    carmen = Contact.objects.create(entity=entity, first_name="Carmen", last_name="Ruiz")
    EmailAddress.objects.create(
        entity=entity, contact=carmen, email="carmen@example.com", is_main=True
    )
    services.template_create(
        user=ada,
        data={
            "name": "Follow-up",
            "language": "en",
            "purpose": "service",
            "subject": "Following up, {{ contact.first_name }}",
            "body_html": "<p>Hello {{ contact.first_name }},</p><p>{{ sender.name }}</p>",
        },
    )
    log_in(page, live_server, "alex")
    page.goto(f"{live_server.url}{entity.get_absolute_url()}")
    page.locator("#send-email-button").click()
    expect(page.locator(f"#recipient-{carmen.pk}")).to_be_checked()  # the only one
    page.locator("#id_template").select_option(label="Follow-up (en)")
    expect(page.locator("#id_subject")).to_have_value("Following up, {{ contact.first_name }}")
    page.locator("#preview-email").click()
    expect(page.locator("#preview-subject")).to_have_text("Following up, Carmen")
    preview = page.frame_locator("#preview iframe")
    expect(preview.locator("p").first).to_have_text("Hello Carmen,")
    assert_layout(page, screen)
    page.screenshot(path=str(shots_dir / f"email-compose-{screen}.png"), full_page=True)
    page.locator("#send-email").click()
    expect(page.locator("#email-table")).to_contain_text("Carmen Ruiz")
    assert_layout(page, screen)
    page.screenshot(path=str(shots_dir / f"email-outbox-{screen}.png"), full_page=True)
    page.locator("#email-table a").first.click()
    expect(page.locator("h1")).to_have_text("Following up, Carmen")
    assert_layout(page, screen)
    page.screenshot(path=str(shots_dir / f"email-detail-{screen}.png"), full_page=True)
