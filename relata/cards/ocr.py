"""Recognition: the text lines of a card (Tesseract) and its QR code (OpenCV).

Tesseract 5 from Debian (``tesseract-ocr`` with the ``spa`` and ``eng`` data) is called
through pytesseract; see ``docs/decisions/0002-ocr-engine.md`` for the choice. Each line
keeps its box and height, because the parser reads the layout (the largest line is
usually the name, the line below it the job title).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import pytesseract
from PIL import Image

LANGUAGES = os.environ.get("RELATA_OCR_LANGUAGES", "spa+eng")
SPANISH = "spa"
# Automatic page segmentation with the LSTM engine.
TESSERACT_CONFIG = "--oem 1 --psm 3"
TIMEOUT_SECONDS = 30
MIN_WORD_CONFIDENCE = 20


class OcrUnavailableError(RuntimeError):
    """Tesseract is not installed or did not answer."""


@dataclass
class Line:
    """A recognised line of text and where it stands on the card."""

    text: str
    left: int = 0
    top: int = 0
    width: int = 0
    height: int = 0
    confidence: float = 100.0

    @property
    def bottom(self) -> int:
        return self.top + self.height


def tesseract_version() -> str:
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as error:
        raise OcrUnavailableError(str(error)) from error


def recognise_lines(gray: np.ndarray, lang: str = LANGUAGES) -> list[Line]:
    """Return the lines Tesseract reads in ``gray``, top to bottom."""
    # One thread: Tesseract's OpenMP threads cost more than they save on a card.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data: dict[str, list[Any]] = pytesseract.image_to_data(
            Image.fromarray(gray),
            lang=lang,
            config=TESSERACT_CONFIG,
            output_type=pytesseract.Output.DICT,
            timeout=TIMEOUT_SECONDS,
        )
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError) as error:
        raise OcrUnavailableError(str(error)) from error
    groups: dict[tuple[int, int, int], list[int]] = {}
    for index, word in enumerate(data["text"]):
        if not word or not word.strip():
            continue
        if float(data["conf"][index]) < MIN_WORD_CONFIDENCE:
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        groups.setdefault(key, []).append(index)
    lines = []
    for indexes in _split_at_gaps(data, groups.values()):
        words = [data["text"][i].strip() for i in indexes]
        left = min(data["left"][i] for i in indexes)
        top = min(data["top"][i] for i in indexes)
        right = max(data["left"][i] + data["width"][i] for i in indexes)
        # The median word height stands for the font size (descenders vary).
        heights = sorted(data["height"][i] for i in indexes)
        lines.append(
            Line(
                text=" ".join(words),
                left=left,
                top=top,
                width=right - left,
                height=heights[len(heights) // 2],
                confidence=sum(float(data["conf"][i]) for i in indexes) / len(indexes),
            )
        )
    lines.sort(key=lambda line: (line.top, line.left))
    return lines


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _overlap(a: Line, b: Line) -> float:
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / max(a.width * a.height, 1)


def restore_accents(lines: list[Line], spanish: list[Line]) -> list[Line]:
    """Put back the accents and ñ that the English model dropped ("Ibanez" → "Ibáñez").

    With Spanish and English together Tesseract reads "@" reliably but sometimes takes a
    Spanish word for an English one without its accents; Spanish alone keeps the accents
    but reads "@" as "O". So the page is also read in Spanish alone (``spanish``), and a
    word is taken from that reading only when it is the same word but for its accents.
    """
    for line in lines:
        if "@" in line.text:
            continue
        match = max(spanish, key=lambda other: _overlap(line, other), default=None)
        if match is None or _overlap(line, match) < 0.5:
            continue
        words, others = line.text.split(), match.text.split()
        if len(words) != len(others):
            continue
        line.text = " ".join(
            other if other != word and _plain(other) == _plain(word) else word
            for word, other in zip(words, others, strict=True)
        )
    return lines


def _split_at_gaps(data: dict[str, list[Any]], groups: Iterable[list[int]]) -> Iterator[list[int]]:
    """Split a line where a wide gap separates two columns (a name left, a company right)."""
    for indexes in groups:
        indexes = sorted(indexes, key=lambda i: data["left"][i])
        heights = sorted(data["height"][i] for i in indexes)
        gap_limit = 1.4 * heights[len(heights) // 2]
        start = 0
        for position in range(1, len(indexes)):
            previous, current = indexes[position - 1], indexes[position]
            gap = data["left"][current] - (data["left"][previous] + data["width"][previous])
            if gap > gap_limit:
                yield indexes[start:position]
                start = position
        yield indexes[start:]


def _fix_encoding(text: str) -> str:
    """Undo UTF-8 read as Latin-1, which some QR decoders return."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def decode_qr(*images: np.ndarray) -> str:
    """Return the text of the first QR code found in any of ``images``, or ""."""
    detector = cv2.QRCodeDetector()
    for image in images:
        candidates = [image]
        # A blurred or dim photo often decodes once binarised.
        _threshold, binary = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        candidates.append(binary)
        for candidate in candidates:
            try:
                text, _points, _straight = detector.detectAndDecode(candidate)
            except cv2.error:
                continue
            if text:
                return _fix_encoding(text)
    return ""
