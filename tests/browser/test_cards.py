"""Business-card scanning in a real browser: from the contact list, upload a card photo,
check the proposed contact beside the photo, correct it and save; at desktop and phone size."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_screenshots import assert_layout

pytestmark = pytest.mark.browser
CARD = Path(__file__).resolve().parents[2] / "bench" / "cards" / "data" / "01-lucia-ibanez.jpg"


@pytest.fixture
def crm(make_user, settings, tmp_path):  # type: ignore[no-untyped-def]
    from relata.core.models import Team
    from relata.entities.models import EntityKind, KindMeaning

    settings.MEDIA_ROOT = tmp_path / "media"
    EntityKind.objects.create(code="prospect", label_en="Prospect", meaning=KindMeaning.PROSPECT)
    make_user("alex", "Alex", last_name="Smith", teams=[Team.objects.create(name="North")])


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_scan_a_card_review_and_save_the_contact(page, live_server, crm, screen):
    from relata.cards.models import CardScan
    from relata.entities.models import Contact

    log_in(page, live_server, "alex")
    page.goto(f"{live_server.url}/entities/contacts/")
    page.locator("#scan-card").click()

    # The scan page asks for a photo (the camera on a phone).
    expect(page.locator("h1")).to_have_text("Scan a business card")
    file_input = page.get_by_label("Photo of the card")
    expect(file_input).to_have_attribute("capture", "environment")
    assert_layout(page, screen)
    file_input.set_input_files(str(CARD))
    page.locator("#scan-submit").click()

    # The card is read (queued; immediate in tests) and the review shows photo and fields.
    expect(page.locator("h1")).to_have_text("Check the scanned contact", timeout=30_000)
    expect(page.locator("#card-photo")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Lucía")
    expect(page.get_by_label("Last name")).to_have_value("Ibáñez Ortega")
    expect(page.get_by_label("Company name")).to_have_value("Aceros del Norte S.L.")
    expect(page.get_by_label("Main email")).to_have_value("lucia.ibanez@acerosdelnorte.es")
    expect(page.get_by_label("Main phone")).to_have_value("+34612345678")
    expect(page.get_by_label("A new entity")).to_be_checked()
    assert_layout(page, screen)

    page.get_by_label("Job title").fill("Directora Comercial Norte")
    page.locator("#save-contact").click()

    # The contact page keeps the card.
    expect(page.locator("h1")).to_have_text("Lucía Ibáñez Ortega")
    expect(page.locator("#contact-entity")).to_contain_text("Aceros del Norte S.L.")
    photo = page.locator("#card-scan-panel img")
    photo.scroll_into_view_if_needed()  # the picture loads lazily
    expect(photo).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert photo.evaluate("img => img.naturalWidth") == 1050
    assert_layout(page, screen)
    contact = Contact.objects.get()
    assert contact.job_title == "Directora Comercial Norte"
    assert CardScan.objects.get().contact == contact


def test_progress_is_shown_until_the_worker_has_read_the_card(page, live_server, crm):
    """Without an immediate queue the page waits, polling, and moves on by itself."""
    from huey.contrib.djhuey import HUEY

    from relata.cards import services
    from relata.cards.models import CardScan

    HUEY.immediate = False  # queued for a worker that the test plays itself
    try:
        log_in(page, live_server, "alex")
        page.goto(f"{live_server.url}/cards/")
        page.get_by_label("Photo of the card").set_input_files(str(CARD))
        page.locator("#scan-submit").click()

        expect(page.locator("h1")).to_have_text("Reading the card…")
        expect(page.locator("#scan-progress")).to_contain_text("Waiting to be read")
        services.card_scan_run(scan_id=CardScan.objects.get().pk)  # the worker's job

        expect(page.locator("h1")).to_have_text("Check the scanned contact")
        expect(page.get_by_label("Last name")).to_have_value("Ibáñez Ortega")
    finally:
        HUEY.immediate = True
