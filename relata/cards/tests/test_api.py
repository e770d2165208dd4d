"""POST /api/v1/cards/scan/: fields and matched entity; refusals; permissions; schema."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relata.cards.models import CardScan
from relata.cards.tests.conftest import card_bytes, expected, jpeg_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/cards/scan/"


def post(api_client, data: bytes, name: str = "card.jpg"):
    return api_client.post(
        URL,
        {"image": SimpleUploadedFile(name, data, content_type="image/jpeg")},
        format="multipart",
    )


def test_url_is_registered():
    assert reverse("api-cards-scan") == URL


def test_scan_returns_the_fields_and_the_matched_entity(api_client, agent, kinds):
    from relata.entities.services import entity_create

    entity = entity_create(
        user=agent,
        data={"kind": kinds["customer"], "legal_name": "Talleres Goñi", "tax_id": "B20123451"},
    )
    api_client.force_authenticate(agent)

    response = post(api_client, card_bytes("06"))

    assert response.status_code == 201
    body = response.json()
    scan = CardScan.objects.get()
    assert body["id"] == scan.pk
    assert (body["status"], body["source"], body["error"]) == ("done", "qr", "")
    assert body["fields"] == expected("06")
    assert body["entity"] == {
        "id": entity.pk,
        "name": "Talleres Goñi",
        "tax_id": "B20123451",
        "reason": "same tax id",
    }
    assert body["matches"] == [body["entity"]]
    assert scan.created_by == agent


def test_scan_without_match(api_client, agent):
    api_client.force_authenticate(agent)

    body = post(api_client, card_bytes("10"), name="card.png").json()

    assert body["entity"] is None
    assert body["matches"] == []
    assert body["fields"]["emails"] == ["s.martin@vinsdeprovence.fr"]


@pytest.mark.parametrize(
    ("data", "code_message"),
    [
        (b"GIF89a not really", "This file is not a picture Relata can read."),
        (b"\xff\xd8\xff" + bytes(50 * 1024 * 1024), "The file is too large (50 MB)"),
        (card_bytes("01")[:20000], "The picture is damaged or incomplete"),
    ],
    ids=["not-an-image", "50-mb", "truncated-jpeg"],
)
def test_bad_files_are_refused_as_field_errors(api_client, agent, data, code_message):
    api_client.force_authenticate(agent)

    response = post(api_client, data)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith(code_message)
    assert body["errors"]["image"][0].startswith(code_message)
    assert CardScan.objects.count() == 0


def test_20000_pixels_refused(api_client, agent):
    from relata.cards.tests.test_imaging import png_header

    api_client.force_authenticate(agent)

    response = post(api_client, png_header(20000, 20000), name="huge.png")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The picture has too many pixels; it can have at most 40 megapixels."
    )


def test_missing_file_read_only_and_anonymous(api_client, reader):
    assert post(api_client, jpeg_bytes()).status_code == 401
    api_client.force_authenticate(reader)
    assert post(api_client, jpeg_bytes()).status_code == 403
    assert CardScan.objects.count() == 0


def test_schema_documents_the_scan(api_client, agent):
    api_client.force_authenticate(agent)

    spec = yaml.safe_load(api_client.get(reverse("api-schema")).content)

    operation = spec["paths"][URL]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "201" in operation["responses"]
