"""The whole recognition of one card picture: prepare, QR first, OCR, parse, merge.

Pure computation (no database): the services, the API, the command and the benchmark all
call :func:`recognise`.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import pytesseract
from PIL import Image

from relata.cards import imaging, ocr
from relata.cards.parsing import Fields, parse_lines, parse_qr

# Below this mean word confidence, the card may be upside down or sideways: ask
# Tesseract's orientation detection and read again.
LOW_CONFIDENCE = 55
# A second, Spanish-only reading that restores dropped accents (about 0.5 s more).
ACCENT_PASS = os.environ.get("RELATA_OCR_ACCENT_PASS", "1") != "0"


@dataclass
class Recognition:
    fields: Fields
    text: str = ""
    qr: str = ""
    notes: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_result(self) -> dict[str, Any]:
        """Return what a scan stores: the fields, the raw text and how it was read."""
        return {
            "fields": {**self.fields.as_dict(), "address_parts": self.fields.address_parts},
            "source": self.fields.source,
            "text": self.text,
            "qr": self.qr,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def _mean_confidence(lines: list[ocr.Line]) -> float:
    if not lines:
        return 0.0
    return sum(line.confidence for line in lines) / len(lines)


def _turn_by_osd(gray: np.ndarray) -> np.ndarray | None:
    """Return ``gray`` turned upright when Tesseract sees it sideways or upside down."""
    try:
        osd = pytesseract.image_to_osd(gray, output_type=pytesseract.Output.DICT, timeout=15)
    except (pytesseract.TesseractError, RuntimeError):
        return None
    rotate = int(osd.get("rotate", 0))
    turns = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    return cv2.rotate(gray, turns[rotate]) if rotate in turns else None


def recognise(image: Image.Image, *, region: str = "ES") -> Recognition:
    """Return the proposed fields of the card in ``image`` (already checked)."""
    start = time.perf_counter()
    gray, notes = imaging.prepare(image)
    original = cv2.cvtColor(np.asarray(imaging.upright(image)), cv2.COLOR_RGB2GRAY)
    # The Spanish-only reading runs beside the main one: Tesseract is a separate process,
    # so on two CPUs the two readings take the time of one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        spanish = pool.submit(ocr.recognise_lines, gray, ocr.SPANISH) if ACCENT_PASS else None
        qr_text = ocr.decode_qr(gray, original)
        lines = ocr.recognise_lines(gray)
        spanish_lines = spanish.result() if spanish is not None else []
    qr_fields = parse_qr(qr_text, region) if qr_text else None
    if _mean_confidence(lines) < LOW_CONFIDENCE or len(lines) < 3:
        turned = _turn_by_osd(gray)
        if turned is not None:
            retry = ocr.recognise_lines(turned)
            if _mean_confidence(retry) > _mean_confidence(lines):
                lines, notes["turned_by_osd"] = retry, True
                spanish_lines = ocr.recognise_lines(turned, ocr.SPANISH) if ACCENT_PASS else []
    if lines and spanish_lines:
        lines = ocr.restore_accents(lines, spanish_lines)
    text_fields = parse_lines(lines, region)
    fields = qr_fields.merge(text_fields) if qr_fields is not None else text_fields
    return Recognition(
        fields=fields,
        text="\n".join(line.text for line in lines),
        qr=qr_text,
        notes=notes,
        seconds=time.perf_counter() - start,
    )
