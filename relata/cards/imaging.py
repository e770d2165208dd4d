"""Check an uploaded card image and prepare it for recognition.

Checking refuses, with a message the user understands, anything that is not a JPEG, PNG,
WebP or HEIC/HEIF picture of a sensible size: too many bytes, too many pixels (a
"decompression bomb"), a truncated or corrupt file. Preparing turns a phone photo into a
flat, upright, high-contrast grey image: EXIF orientation, the card cut out of the
background and straightened when its four corners are found, the remaining skew measured
and undone, light-on-dark bands inverted, the background divided out (tints, shadows),
blurred photos sharpened and the contrast evened out (CLAHE).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

import cv2
import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# HEIC/HEIF, the format of iPhone photos.
register_heif_opener()

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is no business card
MIN_SIDE = 200
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}  # MPO: JPEGs of some cameras
# The long side the recognition works on: enough for 6-point print on a card photo.
WORK_SIDE = 1800
# Below this variance of the Laplacian a picture counts as blurred and is sharpened.
BLURRY = 150
# Darker than this share of the paper's brightness is a dark background (a band).
DARK_AREA = 0.65


@dataclass
class CheckedImage:
    """An image that passed the checks, with its original bytes and format."""

    image: Image.Image
    data: bytes
    format: str

    @property
    def extension(self) -> str:
        return {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}[
            self.format
        ]


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def read_upload(upload: IO[bytes], size: int | None = None) -> bytes:
    """Return the bytes of an upload, refusing it unread when it is too large."""
    if size is not None and size > MAX_BYTES:
        raise _too_large(size)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large(size or len(data))
    return data


def _too_large(size: int) -> ValidationError:
    return _refuse(
        _("The file is too large (%(size)s MB); a card photo can have at most %(limit)s MB.")
        % {"size": f"{size / 1024 / 1024:.0f}", "limit": MAX_BYTES // 1024 // 1024},
        "too_large",
    )


def check_image(data: bytes) -> CheckedImage:
    """Return the decoded image, or raise ``ValidationError`` saying what is wrong."""
    if not data:
        raise _refuse(_("The file is empty."), "empty")
    if len(data) > MAX_BYTES:
        raise _too_large(len(data))
    not_image = _(
        "This file is not a picture Relata can read. Send a photo or scan as JPEG, PNG, "
        "WebP or HEIC."
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
    except Image.DecompressionBombError:
        # Pillow refuses to even open pictures of hundreds of megapixels.
        raise _refuse(
            _("The picture has too many pixels; it can have at most %(limit)d megapixels.")
            % {"limit": MAX_PIXELS // 1_000_000},
            "too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(not_image, "not_image") from None
    if image_format not in ACCEPTED_FORMATS:
        raise _refuse(not_image, "unsupported_format")
    if width * height > MAX_PIXELS:
        raise _refuse(
            _(
                "The picture is too large (%(width)d × %(height)d pixels); it can have at "
                "most %(limit)d megapixels."
            )
            % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000},
            "too_many_pixels",
        )
    if min(width, height) < MIN_SIDE:
        raise _refuse(
            _("The picture is too small (%(width)d × %(height)d pixels) to be read.")
            % {"width": width, "height": height},
            "too_small",
        )
    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # decodes everything: a truncated file fails here
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise _refuse(
            _("The picture is damaged or incomplete (was the upload cut off?). Try again."),
            "damaged",
        ) from None
    return CheckedImage(image=image, data=data, format=image_format)


# --- Preparing ---------------------------------------------------------------------------


def upright(image: Image.Image) -> Image.Image:
    """Return the image turned as its EXIF orientation says, in RGB."""
    turned = ImageOps.exif_transpose(image) or image
    return turned.convert("RGB")


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Return four corners as top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype("float32")
    sums = points.sum(axis=1)
    diffs = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(sums)],
            points[np.argmin(diffs)],
            points[np.argmax(sums)],
            points[np.argmax(diffs)],
        ],
        dtype="float32",
    )


def _quad(mask: np.ndarray, area: int, min_fill: float = 0.0) -> np.ndarray | None:
    """Return the corners of the largest four-sided shape in ``mask`` that may be a card."""
    contours, _hierarchy = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        contour_area = cv2.contourArea(contour)
        if contour_area < 0.2 * area:
            break
        if contour_area > 0.97 * area:
            continue
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) != 4:
            continue
        corners = _order_corners(approx)
        tl, tr, br, bl = corners
        width = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
        height = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
        ratio = max(width, height) / max(min(width, height), 1.0)
        # ISO 85 × 55 mm is 1.55, the US 3.5 × 2 in 1.75: a band or a panel is longer.
        if not 1.3 <= ratio <= 2.0:
            continue
        if min_fill:
            inside = np.zeros(mask.shape, np.uint8)
            cv2.fillConvexPoly(inside, corners.astype(np.int32), 1)
            if mask[inside > 0].mean() / 255 < min_fill:
                continue  # a block of text on a plain card, not a card on a table
        return corners
    return None


def find_card(rgb: np.ndarray) -> np.ndarray | None:
    """Return the four corners of a card photographed on a background, if found.

    First by colour: the background is what the picture's edges show, the card is what
    differs from it. Then by edges, for a background of the card's own colour.
    """
    height, width = rgb.shape[:2]
    area = height * width
    sides = (rgb[:6], rgb[-6:], rgb[:, :6], rgb[:, -6:])
    border = np.concatenate([side.reshape(-1, 3) for side in sides]).astype(np.float32)
    background = np.median(border, axis=0)
    if float(np.median(np.linalg.norm(border - background, axis=1))) < 25:
        distance = np.linalg.norm(rgb.astype(np.float32) - background, axis=2)
        mask = (distance > 45).astype(np.uint8) * 255
        kernel = np.ones((9, 9), np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
        corners = _quad(mask, area, min_fill=0.9)
        if corners is not None:
            return corners
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    return _quad(edges, area)


def flatten(gray: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Return the card inside ``corners`` as a flat rectangle."""
    tl, tr, br, bl = corners
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype="float32")
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def skew_angle(gray: np.ndarray, limit: float = 12.0, step: float = 0.5) -> float:
    """Return the angle (degrees) that makes the text lines horizontal.

    The projection-profile method: rotated by the right angle, the ink falls into sharp
    rows, so the variance of the row sums is largest.
    """
    small = gray
    if gray.shape[1] > 400:
        scale = 400 / gray.shape[1]
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # Strokes darker than their surroundings: text, not the shading of a background.
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12
    )
    height, width = ink.shape
    centre = (width / 2, height / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        return float(np.var(turned.sum(axis=1)))

    # Coarse, then fine around the best coarse angle.
    coarse = max(np.arange(-limit, limit + 0.5, 2 * step), key=lambda a: sharpness(float(a)))
    fine = np.arange(coarse - 2 * step, coarse + 2 * step + 0.01, step / 2)
    return float(max(fine, key=lambda a: sharpness(float(a))))


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Return ``gray`` turned by ``angle`` degrees, grown so that no corner is cut off."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return cv2.warpAffine(
        gray, matrix, (new_width, new_height), flags=cv2.INTER_CUBIC, borderValue=(255,)
    )


def prepare(image: Image.Image) -> tuple[np.ndarray, dict[str, Any]]:
    """Return the grey image to recognise and notes on what was done to it."""
    notes: dict[str, Any] = {}
    rgb = upright(image)
    scale = WORK_SIDE / max(rgb.size)
    if scale < 1:
        rgb = rgb.resize(
            (round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS
        )
    pixels = np.asarray(rgb)
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    corners = find_card(pixels)
    if corners is not None:
        gray = flatten(gray, corners)
        notes["card_found"] = True
    angle = skew_angle(gray)
    if abs(angle) >= 1.0:
        gray = rotate(gray, angle)
        notes["deskew_degrees"] = angle
    # Small pictures are enlarged: Tesseract reads best with capitals ~30 px high.
    if max(gray.shape) < 1200:
        factor = 1200 / max(gray.shape)
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    gray = invert_dark_areas(gray)
    gray = even_background(gray)
    if cv2.Laplacian(gray, cv2.CV_64F).var() < BLURRY:
        # Unsharp mask: a blurred photo loses its thin lines (email, web) otherwise.
        soft = cv2.GaussianBlur(gray, (0, 0), 3)
        gray = cv2.addWeighted(gray, 1.8, soft, -0.8, 0)
        notes["sharpened"] = True
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    gray = clahe.apply(gray)
    return gray, notes


def even_background(gray: np.ndarray) -> np.ndarray:
    """Return ``gray`` divided by its background: shadows, tints and bands become white.

    The background is the picture with the text closed over (a closing wider than any
    stroke); dividing by it keeps the text dark and flattens everything else.
    """
    # On a quarter of the size: the background has no detail, and this is 16 times faster.
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    size = max(max(small.shape) // 40, 5)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    height, width = gray.shape
    background = cv2.resize(closed, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, background, scale=255)


def invert_dark_areas(gray: np.ndarray) -> np.ndarray:
    """Return ``gray`` with light-on-dark areas (a coloured band) turned dark-on-light.

    Dark pixels closed over the width of a letter stroke make solid shapes; a shape as
    large as a band or a panel (not a word in bold) is inverted.
    """
    total = gray.shape[0] * gray.shape[1]
    # Dark compared with the paper: a dim photo has a grey band on grey paper.
    paper = float(np.percentile(gray, 90))
    dark = (gray < DARK_AREA * paper).astype(np.uint8)
    size = max(max(gray.shape) // 60, 3)
    closed = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(closed)
    mask = np.zeros(gray.shape, dtype=bool)
    for label in range(1, count):
        area = stats[label, cv2.CC_STAT_AREA]
        if not 0.05 * total <= area <= 0.6 * total:
            continue
        shape = labels == label
        # A band is mostly ink; lines of text closed into a block are mostly paper.
        if dark[shape].mean() > 0.6:
            mask |= shape
    if not mask.any():
        return gray
    result = gray.copy()
    result[mask] = 255 - gray[mask]
    return result
