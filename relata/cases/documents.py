"""Documents kept with a case: what may be uploaded, and the services that add and remove
them.

The kind of a file is decided by its first bytes, not by its name: a program renamed
``offer.pdf`` is refused, and so are HTML and SVG (a browser would run their scripts).
The name must also agree with the content, so that whoever downloads it opens what it
says it is. Allowed: PDF, common images, office documents (OOXML, OpenDocument, the old
binary formats) and plain text up to :data:`MAX_SIZE`.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from relata.cases.models import Case, CaseDocument
from relata.core import permissions
from relata.core.models import User

MAX_SIZE = 20 * 1024 * 1024
HEAD_SIZE = 8192


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", (".pdf",))
PNG = Kind("image/png", (".png",))
JPEG = Kind("image/jpeg", (".jpg", ".jpeg", ".jpe"))
GIF = Kind("image/gif", (".gif",))
WEBP = Kind("image/webp", (".webp",))
TIFF = Kind("image/tiff", (".tif", ".tiff"))
OLE = Kind("application/octet-stream", (".doc", ".xls", ".ppt", ".msg"))
OLE_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".msg": "application/vnd.ms-outlook",
}
OOXML = {
    "word/": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
    ),
    "xl/": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "ppt/": Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
    ),
}
ODF = {
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
}
TEXT_EXTENSIONS = (".txt", ".csv", ".md", ".log")
# Markup a browser would render (and run) if it ever showed the file inline.
MARKUP_MARKERS = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")


def _zip_kind(upload: IO[bytes]) -> Kind | None:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype in ODF:
                    return Kind(mimetype, ODF[mimetype])
                return None
            if "[Content_Types].xml" in names:
                for folder, kind in OOXML.items():
                    if any(name.startswith(folder) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # Cut in the middle of a character at the end of the sample, or Latin-1.
        try:
            text = head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            text = head.decode("latin-1")
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return False
    lowered = head.lower()
    return not any(marker in lowered for marker in MARKUP_MARKERS)


def detect_kind(upload: IO[bytes], name: str) -> Kind | None:
    """Return the allowed kind of the file's content, or None when it is not allowed."""
    upload.seek(0)
    head = upload.read(HEAD_SIZE)
    upload.seek(0)
    extension = os.path.splitext(name)[1].lower()
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if extension in OLE_TYPES:
            return Kind(OLE_TYPES[extension], (extension,))
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    if extension in TEXT_EXTENSIONS and head and _is_text(head):
        return Kind("text/csv" if extension == ".csv" else "text/plain", TEXT_EXTENSIONS)
    return None


def check_upload(upload: UploadedFile) -> tuple[str, Kind]:
    """Return the cleaned name and kind of an upload; raise ``ValidationError`` (``file``)
    with a message for the user when it is refused."""
    name = get_valid_filename(os.path.basename(upload.name or "")) or "document"
    name = name[-200:]
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > MAX_SIZE:
        raise ValidationError(
            {
                "file": _("The file is %(size)s; the most a document may have is %(max)s.")
                % {"size": filesizeformat(size), "max": filesizeformat(MAX_SIZE)}
            }
        )
    kind = detect_kind(upload, name)
    if kind is None:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file cannot be kept with a case. Upload a PDF, an image, "
                    "an office document or plain text."
                )
            }
        )
    extension = os.path.splitext(name)[1].lower()
    if extension not in kind.extensions:
        raise ValidationError(
            {
                "file": _(
                    "The name “%(name)s” does not match the file's content (%(kind)s). "
                    "Rename it with the right extension, e.g. %(extension)s."
                )
                % {"name": name, "kind": kind.content_type, "extension": kind.extensions[0]}
            }
        )
    return name, kind


@transaction.atomic
def case_document_add(*, user: User, case: Case, upload: UploadedFile) -> CaseDocument:
    """Keep an uploaded file with ``case`` once it passes :func:`check_upload`."""
    permissions.ensure(permissions.can_change(user, case))
    name, kind = check_upload(upload)
    upload.seek(0)
    document = CaseDocument(
        case=case,
        name=name,
        content_type=kind.content_type,
        size=upload.size or 0,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    document.file.save(name, upload, save=False)
    # The stored file goes if the row cannot be saved.
    stored, storage = document.file.name, document.file.storage
    try:
        document.save()
    except Exception:
        if stored:
            storage.delete(stored)
        raise
    return document


@transaction.atomic
def case_document_delete(*, user: User, document: CaseDocument) -> None:
    """Remove a document and its file."""
    permissions.ensure(permissions.can_change(user, document.case))
    stored, storage = document.file.name, document.file.storage
    document.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)
