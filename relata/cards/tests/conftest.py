"""Fixtures of the card-scanning tests: card pictures from the benchmark set, entity kinds,
and a media folder of each test's own."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

CARDS = Path(__file__).resolve().parents[3] / "bench" / "cards" / "data"


def card_path(stem: str) -> Path:
    return next(CARDS.glob(f"{stem}*.[jp][pn]g"))


def card_bytes(stem: str) -> bytes:
    return card_path(stem).read_bytes()


def expected(stem: str) -> dict:
    return json.loads(card_path(stem).with_suffix(".json").read_text(encoding="utf-8"))


def jpeg_bytes(size: tuple[int, int] = (800, 500), **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (255, 255, 255)).save(buffer, "JPEG", **save)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Store uploaded pictures in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def kinds(db):
    from relata.entities.models import EntityKind, KindMeaning

    return {
        "customer": EntityKind.objects.create(
            code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER, order=1
        ),
        "prospect": EntityKind.objects.create(
            code="prospect", label_en="Prospect", meaning=KindMeaning.PROSPECT, order=2
        ),
    }
