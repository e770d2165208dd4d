"""The entity journey in a real browser: create an entity with a custom field, add a
contact, find both with the global search; at desktop and at phone size."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_screenshots import assert_layout

pytestmark = pytest.mark.browser


@pytest.fixture
def crm(make_user):  # type: ignore[no-untyped-def]
    """An administrator's custom field, an entity kind and an agent of a team."""
    from relata.core.models import Role, Team
    from relata.customfields.models import FieldType, Target
    from relata.customfields.services import field_definition_create
    from relata.entities.models import EntityKind, KindMeaning

    admin = make_user("ada", "Ada", role=Role.ADMINISTRATOR)
    field_definition_create(
        user=admin,
        target=Target.ENTITY,
        key="employees",
        label_en="Employees",
        field_type=FieldType.INTEGER,
        show_in_list=True,
    )
    EntityKind.objects.create(code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER)
    make_user("alex", "Alex", last_name="Smith", teams=[Team.objects.create(name="North")])


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_create_entity_add_contact_and_find_it(page, live_server, crm, screen):
    from relata.entities.models import Contact, Entity

    log_in(page, live_server, "alex")

    # The entity list starts empty and offers to create the first one.
    page.goto(f"{live_server.url}/entities/")
    expect(page.locator("h1")).to_have_text("Entities")
    expect(page.get_by_text("No entities yet")).to_be_visible()
    assert_layout(page, screen)
    page.locator("#new-entity").click()

    # A bad tax id is refused where it was typed; nothing is saved.
    expect(page.locator("h1")).to_have_text("New entity")
    page.get_by_label("Legal name").fill("Aceros del Norte S.L.")
    page.get_by_label("Kind").select_option(label="Customer")
    page.get_by_label("Tax id").fill("B12345670")
    page.get_by_label("Employees").fill("42")
    page.get_by_label("Main email").fill("info@aceros.example")
    page.get_by_label("Main phone").fill("944 12 34 56")
    page.get_by_label("Street").first.fill("Calle Mayor 1")
    page.get_by_label("City").first.fill("Bilbao")
    assert_layout(page, screen)
    page.locator("#save-entity").click()
    expect(page.locator("#id_tax_id + .form-text + .invalid-feedback")).to_have_text(
        "“B12345670” is not a valid NIF, NIE, CIF or EU VAT number."
    )
    assert Entity.objects.count() == 0

    page.get_by_label("Tax id").fill("B12345674")
    page.locator("#save-entity").click()

    # The detail page shows the key data and the custom field.
    expect(page.locator("h1")).to_have_text("Aceros del Norte S.L.")
    expect(page.locator("#entity-kind")).to_have_text("Customer")
    expect(page.get_by_text("+34 944 12 34 56")).to_be_visible()
    expect(page.locator("#entity-main dd", has_text="B12345674")).to_be_visible()
    custom = page.locator("section[aria-labelledby=custom-heading]")
    expect(custom.locator("dt")).to_have_text(["Employees"])
    expect(custom.locator("dd")).to_have_text(["42"])
    assert_layout(page, screen)

    # Edit in place: the form replaces the summary and the saved summary comes back.
    page.locator("#edit-entity").click()
    expect(page.locator("#id_trade_name")).to_be_visible()
    page.locator("#id_trade_name").fill("Aceros Norte")
    page.locator("#save-entity").click()
    expect(page.locator("#entity-main h1")).to_have_text("Aceros Norte")
    expect(page.get_by_text("The changes were saved.")).to_be_visible()
    expect(page.locator("#entity-timeline")).to_contain_text("Trade name")

    # Add a contact from the entity page.
    page.locator("#add-contact").click()
    expect(page.locator("h1")).to_have_text("New contact at Aceros Norte")
    page.get_by_label("First name").fill("Lucía")
    page.get_by_label("Last name").fill("Ibáñez")
    page.get_by_label("Main email").fill("lucia@aceros.example")
    assert_layout(page, screen)
    page.locator("#save-contact").click()
    expect(page.locator("h1")).to_have_text("Lucía Ibáñez")
    expect(page.locator("#contact-entity")).to_contain_text("Aceros Norte")
    assert Contact.objects.get().entity == Entity.objects.get()

    # Find the contact with the global search: in the navbar, or in the menu on a phone.
    if screen == "phone":
        page.locator("button.navbar-toggler").click()
        box = page.locator("#sidebar input[name=q]")
    else:
        box = page.locator("#global-search")
    box.fill("ibáñez")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Search")
    results = page.locator(".card", has_text="Contacts")
    expect(results.get_by_role("link", name="Lucía Ibáñez")).to_be_visible()
    # The entity matches too: its search text holds its contacts' names.
    expect(page.get_by_role("link", name="Aceros Norte")).to_be_visible()
    assert_layout(page, screen)
    results.get_by_role("link", name="Lucía Ibáñez").click()
    expect(page).to_have_url(re.compile(r"/entities/contacts/\d+/$"))

    # And the entity list's live search finds the entity by the contact's name.
    page.goto(f"{live_server.url}/entities/")
    page.locator("#id_q").fill("lucía")
    expect(page).to_have_url(re.compile(r"/entities/\?q=luc"))
    expect(page.locator("#entity-table tbody tr")).to_have_count(1)
    expect(page.locator("#entity-table")).to_contain_text("Aceros Norte")
    assert_layout(page, screen)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_typing_a_known_tax_id_warns_of_a_duplicate(page, live_server, crm, screen):
    from relata.core.models import User
    from relata.entities import services
    from relata.entities.models import EntityKind

    services.entity_create(
        user=User.objects.get(username="alex"),
        data={
            "kind": EntityKind.objects.get(),
            "legal_name": "Bodegas Sur S.A.",
            "tax_id": "B12345674",
        },
    )
    log_in(page, live_server, "alex")

    page.goto(f"{live_server.url}/entities/new/")
    page.get_by_label("Tax id").fill("B-12345674")
    page.get_by_label("Legal name").fill("Bodegas del Sur")  # moving on fires the check

    warning = page.locator("#dedup-warning")
    expect(warning).to_contain_text("Bodegas Sur S.A.")
    expect(warning.get_by_role("link", name="Bodegas Sur S.A.")).to_be_visible()
    assert_layout(page, screen)
