"""The scan pages through the test client: upload, progress, review, save; refusals and
permissions."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relata.cards.models import CardScan
from relata.cards.tests.conftest import card_bytes, jpeg_bytes
from relata.entities.models import Contact, EmailAddress, Entity, PhoneNumber

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "card.jpg", **extra):
    return client.post(
        reverse("cards:new"),
        {"image": SimpleUploadedFile(name, data, content_type="image/jpeg"), **extra},
    )


def scan_card(client, django_capture_on_commit_callbacks, stem: str = "01"):
    """Upload a card; the queued reading runs at commit (Huey is immediate in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, card_bytes(stem), name=f"{stem}.jpg")
    assert response.status_code == 302
    return CardScan.objects.get(pk=int(re.search(r"/cards/(\d+)/", response["Location"])[1]))


def review_post(form_initial: dict, **changes) -> dict:
    data = {k: v for k, v in form_initial.items() if v not in (None, "")}
    data.update(changes)
    return data


def test_scan_page_offers_the_camera(client, agent):
    client.force_login(agent)

    response = client.get(reverse("cards:new"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html
    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html


def test_upload_read_review_and_save_as_new_entity(
    client, agent, kinds, django_capture_on_commit_callbacks
):
    client.force_login(agent)

    scan = scan_card(client, django_capture_on_commit_callbacks, "01")

    assert scan.status == CardScan.Status.DONE
    assert scan.created_by == agent
    assert scan.fields["emails"] == ["lucia.ibanez@acerosdelnorte.es"]
    page = client.get(scan.get_absolute_url())
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["first_name"] == "Lucía"
    assert form.initial["last_name"] == "Ibáñez Ortega"
    assert form.initial["legal_name"] == "Aceros del Norte S.L."
    assert form.initial["phone_0"] == "+34612345678"
    assert form.initial["phone_0_label"] == "mobile"
    assert form.initial["entity"] == "new"
    assert reverse("cards:image", args=[scan.pk]) in page.content.decode()

    data = review_post(
        form.initial,
        kind=kinds["prospect"].pk,
        job_title="Directora Comercial (Norte)",  # the user corrects a field
    )
    saved = client.post(scan.get_absolute_url(), data)

    contact = Contact.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == contact.get_absolute_url()
    assert (contact.first_name, contact.last_name) == ("Lucía", "Ibáñez Ortega")
    assert contact.job_title == "Directora Comercial (Norte)"
    entity = contact.entity
    assert (entity.legal_name, entity.tax_id, entity.owner) == (
        "Aceros del Norte S.L.",
        "B12345674",
        agent,
    )
    assert entity.website == "https://www.acerosdelnorte.es"
    address = entity.addresses.get()
    assert (address.street, address.postal_code, address.city) == (
        "Calle Mayor 12",
        "48001",
        "Bilbao",
    )
    assert list(EmailAddress.objects.filter(contact=contact).values_list("email", flat=True)) == [
        "lucia.ibanez@acerosdelnorte.es"
    ]
    assert list(PhoneNumber.objects.filter(contact=contact).values_list("number", "label")) == [
        ("+34612345678", "mobile"),
        ("+34944123456", "office"),
    ]
    scan.refresh_from_db()
    assert (scan.status, scan.contact) == (CardScan.Status.SAVED, contact)
    # The card stays with the contact: its page shows the photo.
    detail = client.get(contact.get_absolute_url()).content.decode()
    assert reverse("cards:image", args=[scan.pk]) in detail
    image = client.get(reverse("cards:image", args=[scan.pk]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content) == card_bytes("01")
    # Saving twice is refused; the page now leads to the contact.
    assert client.get(scan.get_absolute_url())["Location"] == contact.get_absolute_url()


def test_existing_entity_is_proposed_by_email_domain(
    client, agent, kinds, django_capture_on_commit_callbacks
):
    from relata.entities.services import entity_create

    entity = entity_create(
        user=agent,
        data={"kind": kinds["customer"], "legal_name": "Aceros Norte"},
        emails=[{"email": "info@acerosdelnorte.es"}],
    )
    client.force_login(agent)
    scan = scan_card(client, django_capture_on_commit_callbacks, "01")

    page = client.get(scan.get_absolute_url())

    form = page.context["form"]
    assert form.initial["entity"] == str(entity.pk)
    assert "email domain acerosdelnorte.es" in page.content.decode()
    response = client.post(
        scan.get_absolute_url(), review_post(form.initial, kind=kinds["prospect"].pk)
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.entity == entity
    assert Entity.objects.count() == 1


def test_progress_fragment_polls_then_sends_the_browser_on(client, agent):
    from relata.cards import services

    client.force_login(agent)
    scan = services.card_scan_create(user=agent, data=card_bytes("10"), background=False)

    waiting = client.get(scan.get_absolute_url())
    poll = client.get(reverse("cards:status", args=[scan.pk]), headers={"HX-Request": "true"})

    assert waiting.status_code == 200
    assert 'hx-trigger="every 1s"' in waiting.content.decode()
    assert poll.status_code == 200
    assert "Waiting to be read" in poll.content.decode()
    services.card_scan_run(scan_id=scan.pk)
    done = client.get(
        reverse("cards:status", args=[scan.pk]) + "?entity=7", headers={"HX-Request": "true"}
    )
    assert done["HX-Redirect"] == scan.get_absolute_url() + "?entity=7"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text, not a picture", "This file is not a picture Relata can read."),
        (b"\xff\xd8\xff" + bytes(50 * 1024 * 1024), "The file is too large (50 MB)"),
        (card_bytes("01")[:20000], "The picture is damaged or incomplete"),
    ],
    ids=["not-an-image", "50-mb", "truncated-jpeg"],
)
def test_bad_files_are_refused_with_a_message(client, agent, data, message):
    client.force_login(agent)

    response = upload(client, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert CardScan.objects.count() == 0


def test_20000_pixel_picture_is_refused(client, agent):
    from relata.cards.tests.test_imaging import png_header

    client.force_login(agent)

    response = upload(client, png_header(20000, 20000), name="huge.png")

    assert response.status_code == 400
    assert "too many pixels" in response.content.decode()
    assert CardScan.objects.count() == 0


def test_heic_upload_is_kept_and_shown_as_jpeg(client, agent):
    import io

    from PIL import Image
    from pillow_heif import from_pillow

    from relata.cards import services

    buffer = io.BytesIO()
    from_pillow(Image.new("RGB", (640, 400), (200, 30, 30))).save(buffer, quality=80)
    scan = services.card_scan_create(user=agent, data=buffer.getvalue(), background=False)
    client.force_login(agent)

    response = client.get(reverse("cards:image", args=[scan.pk]))

    assert scan.image.name.endswith(".heic")
    assert response["Content-Type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert (shown.format, shown.size) == ("JPEG", (640, 400))


def test_read_only_user_cannot_scan(client, reader):
    client.force_login(reader)

    assert client.get(reverse("cards:new")).status_code == 403
    assert upload(client, jpeg_bytes()).status_code == 403
    assert CardScan.objects.count() == 0


def test_agent_sees_only_own_scans(client, agent, other_agent, manager, admin_user):
    from relata.cards import services

    scan = services.card_scan_create(user=agent, data=jpeg_bytes(), background=False)
    services.card_scan_run(scan_id=scan.pk)

    client.force_login(other_agent)
    assert client.get(scan.get_absolute_url()).status_code == 404
    assert client.get(reverse("cards:image", args=[scan.pk])).status_code == 404
    assert client.post(scan.get_absolute_url(), {"first_name": "X"}).status_code == 404
    client.force_login(manager)  # same team, still not theirs
    assert client.get(scan.get_absolute_url()).status_code == 404
    client.force_login(admin_user)
    assert client.get(scan.get_absolute_url()).status_code == 200


def test_scan_started_from_an_entity_proposes_that_entity(
    client, agent, kinds, django_capture_on_commit_callbacks
):
    from relata.entities.services import entity_create

    entity = entity_create(user=agent, data={"kind": kinds["customer"], "legal_name": "Acme"})
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, jpeg_bytes(), entity=entity.pk)
    review = client.get(response["Location"])

    assert response["Location"].endswith(f"?entity={entity.pk}")
    assert review.context["form"].initial["entity"] == str(entity.pk)
    assert "Acme (chosen)" in review.content.decode()


def test_links_to_the_scan_page_from_the_contacts(client, agent, kinds):
    from relata.entities.services import entity_create

    entity = entity_create(user=agent, data={"kind": kinds["customer"], "legal_name": "Acme"})
    client.force_login(agent)

    listing = client.get(reverse("entities:contact_list")).content.decode()
    form = client.get(reverse("entities:contact_create", args=[entity.pk])).content.decode()

    assert f'href="{reverse("cards:new")}"' in listing
    # The new-contact form uploads a photo itself, for the entity it is adding to.
    upload_form = re.search(r'<form[^>]+id="scan-card-form".*?</form>', form, re.S)
    assert upload_form is not None
    assert f'action="{reverse("cards:new")}"' in upload_form[0]
    assert 'enctype="multipart/form-data"' in upload_form[0]
    assert f'name="entity" value="{entity.pk}"' in upload_form[0]
    assert 'capture="environment"' in upload_form[0]
