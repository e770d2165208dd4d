"""Uploaded import files: checked on arrival, kept between the steps of an import, read back.

A file is accepted when it is at most 10 MB, its extension is one the import takes, and
its content is what the extension says: a CSV must decode as text (UTF-8, UTF-16 with a
byte-order mark, or Windows-1252, the encoding of Excel's "CSV" in Western Europe), an
XLSX must open with openpyxl, a vCard file must hold at least one card.

Files are stored with the default storage under ``imports/<uuid>.<format>``, so that every
web process sees them; the import deletes its file when it ends, and
:func:`delete_stale` (a periodic task) those left behind for more than a day. The step a
user is at lives in their session (:func:`session_put`), keyed by the same uuid, so a file
is reachable only from the session that uploaded it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from relata.entities import vcard

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 200
STORAGE_DIR = "imports"
MAX_AGE = datetime.timedelta(hours=24)
SESSION_KEY = "entities_io"
MAX_PENDING = 10

EXTENSIONS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".vcf": "vcf", ".vcard": "vcf"}
TABLE_FORMATS = ("csv", "xlsx")
DELIMITERS = (",", ";", "\t")


class UploadError(Exception):
    """A file that cannot be imported; ``message`` tells the user why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Upload:
    """A stored file and what the next steps need to read it again."""

    token: str
    fmt: str
    name: str
    encoding: str = ""
    delimiter: str = ""

    @property
    def path(self) -> str:
        return f"{STORAGE_DIR}/{self.token}.{self.fmt}"


@dataclass
class Table:
    """A sheet read as text: its header and its non-blank rows with their row numbers.

    Row numbers are the spreadsheet's: the header is row 1, the first data row row 2.
    """

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def samples(self, column: int, count: int = 3) -> list[str]:
        values = (cells[column] for _number, cells in self.rows if cells[column].strip())
        return [value for _i, value in zip(range(count), values, strict=False)]


# --- Checking and storing --------------------------------------------------------------


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def store(file: UploadedFile, *, formats: tuple[str, ...]) -> tuple[Upload, Table | list]:
    """Check ``file`` and store it; return the upload and its content (table or cards).

    Raise :class:`UploadError` with the reason when the file cannot be imported.
    """
    name = PurePath(file.name or "").name
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise UploadError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": _size_text(file.size or 0), "limit": _size_text(MAX_UPLOAD_BYTES)}
        )
    suffix = PurePath(name).suffix.lower()
    fmt = EXTENSIONS.get(suffix)
    if suffix == ".xls" and "xlsx" in formats:
        raise UploadError(
            _("Old Excel files (.xls) cannot be read: save it as .xlsx or .csv in Excel.")
        )
    if fmt not in formats:
        raise UploadError(
            _("“%(name)s” is not a file this import takes: use %(kinds)s.")
            % {"name": name, "kinds": ", ".join(f".{f}" for f in formats)}
        )
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            _("The file is larger than %(limit)s.") % {"limit": _size_text(MAX_UPLOAD_BYTES)}
        )
    upload = Upload(token=str(uuid.uuid4()), fmt=fmt, name=name)
    content: Table | list
    if fmt == "csv":
        text, upload.encoding = _decode_csv(data)
        upload.delimiter = _sniff_delimiter(text)
        content = _parse_csv(text, upload.delimiter)
    elif fmt == "xlsx":
        content = _parse_xlsx(data)
    else:
        content = _parse_vcf(data)
    default_storage.save(upload.path, ContentFile(data))
    return upload, content


def _check_rows(count: int) -> None:
    if count > MAX_ROWS:
        raise UploadError(
            _(
                "The file has more than %(limit)d rows, the most an import takes. "
                "Split it into smaller files."
            )
            % {"limit": MAX_ROWS}
        )


def _decode_csv(data: bytes) -> tuple[str, str]:
    not_text = _("This file is not a CSV text file. Export the sheet as CSV, or upload an .xlsx.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise UploadError(not_text) from error
    if b"\x00" in data:
        raise UploadError(not_text)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n\f")
        if controls > max(len(text) // 100, 0):
            raise UploadError(not_text)
        return text, encoding
    raise UploadError(
        _("The file's characters could not be read: save it as CSV with UTF-8 encoding.")
    )


def _sniff_delimiter(text: str) -> str:
    """Return the separator of the header line: comma, semicolon (Spanish Excel) or tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column_name(index: int) -> str:
    return _("Column %(letter)s") % {"letter": get_column_letter(index + 1)}


def _build_table(records: Iterable[list[str]]) -> Table:
    """Return the table of ``records`` (header first); blank rows and trailing columns
    dropped, and reading stopped as soon as there are too many rows."""
    numbered = iter(enumerate(records, start=1))
    first = next(numbered, None)
    header_cells = first[1] if first else []
    if not any(cell.strip() for cell in header_cells):
        raise UploadError(_("The first row must hold the column names, and it is empty."))
    kept: list[tuple[int, list[str]]] = []
    width = max((i + 1 for i, cell in enumerate(header_cells) if cell.strip()), default=0)
    for number, cells in numbered:
        filled = [i for i, cell in enumerate(cells) if cell.strip()]
        if not filled:
            continue
        width = max(width, filled[-1] + 1)
        kept.append((number, cells))
        _check_rows(len(kept))
    if width > MAX_COLUMNS:
        raise UploadError(
            _("The file has %(count)d columns; an import takes at most %(limit)d.")
            % {"count": width, "limit": MAX_COLUMNS}
        )
    if not kept:
        raise UploadError(_("The file has column names but no rows to import."))
    header = [*header_cells, *[""] * width][:width]
    return Table(
        headers=[h.strip() or _column_name(i) for i, h in enumerate(header)],
        rows=[(number, [*cells, *[""] * width][:width]) for number, cells in kept],
    )


def _parse_csv(text: str, delimiter: str) -> Table:
    try:
        return _build_table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise UploadError(
            _("The CSV file could not be read: %(error)s.") % {"error": error}
        ) from error


def _cell_text(value: Any) -> str:
    """Return an XLSX cell as the text a person would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _parse_xlsx(data: bytes) -> Table:
    if not data.startswith(b"PK\x03\x04"):
        raise UploadError(_("This file is not an Excel workbook (.xlsx)."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise UploadError(
            _("This file could not be opened as an Excel workbook (.xlsx); it may be damaged.")
        ) from error
    try:
        if not workbook.worksheets:
            raise UploadError(_("The workbook has no sheet."))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return _build_table([_cell_text(v) for v in values] for values in rows)
    except UploadError:
        raise
    except Exception as error:
        raise UploadError(
            _("The workbook's first sheet could not be read; it may be damaged.")
        ) from error
    finally:
        workbook.close()


def _parse_vcf(data: bytes) -> list[vcard.Card]:
    try:
        cards = vcard.parse(vcard.decode(data))
    except vcard.VCardError as error:
        raise UploadError(_("This file holds no vCard (BEGIN:VCARD … END:VCARD).")) from error
    _check_rows(len(cards))
    return cards


# --- Reading back ----------------------------------------------------------------------


def _read(upload: Upload) -> bytes:
    try:
        with default_storage.open(upload.path, "rb") as file:
            return file.read()
    except FileNotFoundError as error:
        raise UploadError(
            _("The uploaded file is no longer here (files are kept for a day): upload it again.")
        ) from error


def read_table(upload: Upload) -> Table:
    data = _read(upload)
    if upload.fmt == "csv":
        return _parse_csv(data.decode(upload.encoding or "utf-8-sig"), upload.delimiter or ",")
    return _parse_xlsx(data)


def read_cards(upload: Upload) -> list[vcard.Card]:
    return _parse_vcf(_read(upload))


def delete(upload: Upload) -> None:
    default_storage.delete(upload.path)


def delete_stale(*, max_age: datetime.timedelta = MAX_AGE) -> int:
    """Delete the stored imports older than ``max_age``; return how many went."""
    try:
        _dirs, files = default_storage.listdir(STORAGE_DIR)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - max_age
    deleted = 0
    for name in files:
        path = f"{STORAGE_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except FileNotFoundError:
            continue  # deleted by the import that owned it meanwhile
    return deleted


# --- The session's pending imports -----------------------------------------------------


def session_put(session: SessionBase, upload: Upload, **state: Any) -> None:
    """Remember ``upload`` and the import's state in the session (keeping the latest few)."""
    pending: dict[str, Any] = dict(session.get(SESSION_KEY) or {})
    pending[upload.token] = {
        **(pending.get(upload.token) or {}),
        "upload": asdict(upload),
        "created": pending.get(upload.token, {}).get("created") or timezone.now().isoformat(),
        **state,
    }
    while len(pending) > MAX_PENDING:
        oldest = min(pending, key=lambda token: pending[token]["created"])
        pending.pop(oldest)
        delete_all(oldest)
    session[SESSION_KEY] = pending


def session_get(session: SessionBase, token: str) -> tuple[Upload, dict[str, Any]] | None:
    """Return the upload and state of the session's pending import ``token``, if any."""
    entry = (session.get(SESSION_KEY) or {}).get(token)
    if not entry:
        return None
    return Upload(**entry["upload"]), entry


def delete_all(token: str) -> None:
    """Delete the file of import ``token`` and the reports of its runs."""
    try:
        _dirs, files = default_storage.listdir(STORAGE_DIR)
    except FileNotFoundError:
        return
    for name in files:
        if name.startswith(f"{token}."):
            default_storage.delete(f"{STORAGE_DIR}/{name}")


def session_drop(session: SessionBase, token: str) -> None:
    """Forget the pending import ``token`` and delete its files."""
    pending: dict[str, Any] = dict(session.get(SESSION_KEY) or {})
    pending.pop(token, None)
    delete_all(token)
    session[SESSION_KEY] = pending
