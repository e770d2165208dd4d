"""Checking uploaded pictures: what is refused, with which message, and what is accepted."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from relata.cards import imaging
from relata.cards.tests.conftest import card_bytes, jpeg_bytes


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` pixels but holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        imaging.check_image(data)
    return caught.value


def test_not_an_image_is_refused():
    error = refusal(b"%PDF-1.7\n" + b"x" * 1000)
    assert error.code == "not_image"
    assert error.messages == [
        "This file is not a picture Relata can read. Send a photo or scan as JPEG, PNG, "
        "WebP or HEIC."
    ]


def test_a_50_mb_file_is_refused_before_decoding():
    error = refusal(b"\xff\xd8\xff" + bytes(50 * 1024 * 1024))
    assert error.code == "too_large"
    assert error.messages == ["The file is too large (50 MB); a card photo can have at most 10 MB."]


def test_read_upload_stops_reading_a_large_stream():
    stream = io.BytesIO(bytes(11 * 1024 * 1024))
    with pytest.raises(ValidationError) as caught:
        imaging.read_upload(stream)
    assert caught.value.code == "too_large"
    assert stream.tell() == imaging.MAX_BYTES + 1


def test_20000_by_20000_pixels_is_refused():
    error = refusal(png_header(20000, 20000))
    assert error.code == "too_many_pixels"
    assert error.messages == ["The picture has too many pixels; it can have at most 40 megapixels."]


def test_a_picture_just_over_the_pixel_limit_is_refused_with_its_size():
    error = refusal(png_header(8000, 6000))
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "The picture is too large (8000 × 6000 pixels); it can have at most 40 megapixels."
    ]


def test_truncated_jpeg_is_refused():
    whole = card_bytes("01")
    error = refusal(whole[: len(whole) // 2])
    assert error.code == "damaged"
    assert "damaged or incomplete" in error.messages[0]


def test_gif_and_tiny_pictures_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400)).save(buffer, "GIF")
    assert refusal(buffer.getvalue()).code == "unsupported_format"
    assert refusal(jpeg_bytes((120, 80))).code == "too_small"
    assert refusal(b"").code == "empty"


def test_jpeg_png_and_webp_are_accepted():
    for image_format, extension in (("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")):
        buffer = io.BytesIO()
        Image.new("RGB", (640, 400), (250, 250, 250)).save(buffer, image_format)
        checked = imaging.check_image(buffer.getvalue())
        assert (checked.format, checked.extension, checked.image.size) == (
            image_format,
            extension,
            (640, 400),
        )


def test_exif_orientation_is_applied():
    # Card 12 is stored sideways (600 × 1050) with orientation 6.
    checked = imaging.check_image(card_bytes("12"))
    assert checked.image.size == (600, 1050)
    assert imaging.upright(checked.image).size == (1050, 600)


def test_prepare_straightens_a_rotated_card():
    checked = imaging.check_image(card_bytes("24"))  # turned by a few degrees
    _gray, notes = imaging.prepare(checked.image)
    assert notes.get("card_found") or abs(notes.get("deskew_degrees", 0)) >= 3
