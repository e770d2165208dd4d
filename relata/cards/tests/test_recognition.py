"""The real recognition (Tesseract, OpenCV) on a few cards of the benchmark set."""

from __future__ import annotations

import pytest

from relata.cards import imaging
from relata.cards.recognition import recognise
from relata.cards.tests.conftest import card_bytes, expected

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "stem",
    [
        "02",  # clean, centred, serif font
        "07",  # photographed in perspective on a table
        "18",  # dark band, turned a few degrees
    ],
)
def test_card_text_is_read_into_the_expected_fields(stem):
    recognition = recognise(imaging.check_image(card_bytes(stem)).image)

    assert recognition.fields.source == "ocr"
    assert recognition.fields.as_dict() == expected(stem)
    assert recognition.seconds < 10


def test_qr_vcard_is_read_first():
    recognition = recognise(imaging.check_image(card_bytes("06")).image)

    assert recognition.qr.startswith("BEGIN:VCARD")
    assert recognition.fields.source == "qr"
    # Every field comes from the QR code except the tax id, which only the text shows.
    assert recognition.fields.as_dict() == expected("06")


def test_a_picture_without_text_gives_empty_fields():
    from relata.cards.tests.conftest import jpeg_bytes

    recognition = recognise(imaging.check_image(jpeg_bytes()).image)

    assert recognition.fields.as_dict() == {
        "given_name": "",
        "family_name": "",
        "job_title": "",
        "company": "",
        "emails": [],
        "phones": [],
        "website": "",
        "address": "",
        "tax_id": "",
    }
