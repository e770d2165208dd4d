"""``relata import-sales DIR``: the ERP's CSV exports through the integration's upserts.

Files (all optional, read in this order so that references resolve): customers.csv,
suppliers.csv, products.csv, orders.csv + order_lines.csv, deliveries.csv, invoices.csv +
invoice_lines.csv; columns in docs/sales-integration.md. Rows are read as a stream and sent
in batches of :data:`~relata.sales.upsert.MAX_BATCH`; line files are staged in a temporary
SQLite file indexed by parent, so memory stays bounded whatever the size of the export.
Without ``partial`` the whole import is one transaction, saved only when no row is bad
(every bad row is still reported).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction
from django.utils.translation import gettext as _

from relata.sales import upsert
from relata.sales.models import IntegrationToken

FILES = (
    ("customers", "customers.csv", None),
    ("suppliers", "suppliers.csv", None),
    ("products", "products.csv", None),
    ("orders", "orders.csv", ("order_lines.csv", "order")),
    ("deliveries", "deliveries.csv", None),
    ("invoices", "invoices.csv", ("invoice_lines.csv", "invoice")),
)
TRUE = {"1", "true", "yes", "y", "si", "sí", "s", "x"}
BOOLEAN = {"is_active"}
NUMBERS = {
    "credit_limit",
    "unit_price",
    "total",
    "paid_amount",
    "quantity",
    "discount",
    "amount",
    "delivered_quantity",
}


@dataclasses.dataclass
class FileSummary:
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    seconds: float = 0.0  # reading, staging its lines and saving (benchmarks)


@dataclasses.dataclass
class ImportResult:
    files: list[FileSummary] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    saved: bool = True


class _Abort(Exception):
    pass


def _reader(handle: TextIO) -> csv.DictReader[str]:
    sample = handle.readline()
    handle.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return csv.DictReader(handle, delimiter=delimiter)


def _value(column: str, raw: str) -> Any:
    text = raw.strip()
    if column in BOOLEAN:
        return text.lower() in TRUE
    if column in NUMBERS and "," in text and "." not in text:
        return text.replace(",", ".")  # a Spanish spreadsheet's decimal comma
    return text


def _clean(row: dict[str | None, Any]) -> dict[str, Any]:
    """Drop empty cells (the payload's defaults apply) and unknown extra cells."""
    return {
        k.strip(): _value(k.strip(), v)
        for k, v in row.items()
        if k and isinstance(v, str) and v.strip()
    }


def customer_record(row: dict[str, Any]) -> dict[str, Any]:
    """Flat customers.csv/suppliers.csv columns → the API's payload."""
    record = {
        k: v for k, v in row.items() if not k.startswith(("billing_", "delivery_", "contact_"))
    }
    addresses = []
    for kind in ("billing", "delivery"):
        address = {k[len(kind) + 1 :]: v for k, v in row.items() if k.startswith(f"{kind}_")}
        if address:
            addresses.append({"kind": kind, **address})
    record["addresses"] = addresses
    contact = {k[len("contact_") :]: v for k, v in row.items() if k.startswith("contact_")}
    record["contacts"] = [contact] if contact else []
    if "commercial_conditions" in record:
        with contextlib.suppress(ValueError):
            record["commercial_conditions"] = json.loads(record["commercial_conditions"])
    return record


def product_record(row: dict[str, Any]) -> dict[str, Any]:
    record = {k: v for k, v in row.items() if not k.startswith("family_")}
    if row.get("family_external_id"):
        record["family"] = {
            "external_id": row["family_external_id"],
            "name": row.get("family_name") or row["family_external_id"],
        }
        if row.get("family_code"):
            record["family"]["code"] = row["family_code"]
    return record


class _Lines:
    """A line file staged in a temporary SQLite database, indexed by parent external id."""

    def __init__(self, path: Path, parent: str, result: ImportResult) -> None:
        self.name = path.name
        self.file = tempfile.NamedTemporaryFile(suffix=".sqlite3")  # noqa: SIM115
        self.db = sqlite3.connect(self.file.name)
        self.db.execute("CREATE TABLE line (parent TEXT, lineno INTEGER, row TEXT, used INTEGER)")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = _reader(handle)
            batch: list[tuple[str, int, str]] = []
            for row in reader:
                data = _clean(row)
                owner = data.pop(parent, "")
                if not owner:
                    result.errors.append(
                        f"{self.name}:{reader.line_num}: {parent}: " + _("Required.")
                    )
                    continue
                batch.append((owner, reader.line_num, json.dumps(data)))
                if len(batch) >= upsert.MAX_BATCH:
                    self.db.executemany("INSERT INTO line VALUES (?, ?, ?, 0)", batch)
                    batch = []
            self.db.executemany("INSERT INTO line VALUES (?, ?, ?, 0)", batch)
        self.db.execute("CREATE INDEX line_parent ON line (parent, lineno)")

    def take(self, parents: list[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        marks = ",".join("?" * len(parents))
        query = (
            f"SELECT parent, lineno, row FROM line WHERE parent IN ({marks})"  # noqa: S608
            " ORDER BY parent, lineno"
        )
        for parent, lineno, row in self.db.execute(query, parents):
            found.setdefault(parent, []).append((lineno, json.loads(row)))
        self.db.execute(f"UPDATE line SET used = 1 WHERE parent IN ({marks})", parents)  # noqa: S608
        return found

    def orphans(self) -> Iterator[tuple[str, int]]:
        yield from self.db.execute("SELECT parent, lineno FROM line WHERE used = 0 ORDER BY lineno")

    def close(self) -> None:
        self.db.close()
        self.file.close()


def import_directory(
    *, token: IntegrationToken, directory: Path, partial: bool = False
) -> ImportResult:
    """Import every known file found in ``directory`` (see the module docstring)."""
    result = ImportResult()
    # Partial: each batch commits on its own; otherwise one transaction for everything.
    try:
        with contextlib.nullcontext() if partial else transaction.atomic():
            for kind, name, lines in FILES:
                path = directory / name
                if path.exists():
                    _import_file(token, kind, path, lines, partial, result)
            if result.errors and not partial:
                raise _Abort
    except _Abort:
        result.saved = False
    return result


def _import_file(
    token: IntegrationToken,
    kind: str,
    path: Path,
    lines: tuple[str, str] | None,
    partial: bool,
    result: ImportResult,
) -> None:
    started = time.perf_counter()
    summary = FileSummary(path.name)
    result.files.append(summary)
    staged = None
    if lines is not None and (path.parent / lines[0]).exists():
        staged = _Lines(path.parent / lines[0], lines[1], result)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = _reader(handle)
            batch: list[tuple[int, dict[str, Any]]] = []
            for row in reader:
                data = _clean(row)
                if kind in ("customers", "suppliers"):
                    data = customer_record(data)
                elif kind == "products":
                    data = product_record(data)
                batch.append((reader.line_num, data))
                if len(batch) >= upsert.MAX_BATCH:
                    _send(token, kind, path.name, batch, staged, summary, result)
                    batch = []
            if batch:
                _send(token, kind, path.name, batch, staged, summary, result)
        if staged is not None:
            for parent, lineno in staged.orphans():
                result.errors.append(
                    f"{staged.name}:{lineno}: {lines[1]}: "  # type: ignore[index]
                    + _("Unknown %(file)s external id “%(id)s”.")
                    % {"file": path.name, "id": parent}
                )
    finally:
        if staged is not None:
            staged.close()
        summary.seconds = time.perf_counter() - started


def _send(
    token: IntegrationToken,
    kind: str,
    name: str,
    batch: list[tuple[int, dict[str, Any]]],
    staged: _Lines | None,
    summary: FileSummary,
    result: ImportResult,
) -> None:
    line_numbers: dict[int, list[int]] = {}
    if staged is not None:
        found = staged.take([data.get("external_id", "") for _n, data in batch])
        for index, (_lineno, data) in enumerate(batch):
            children = found.get(data.get("external_id", ""), [])
            data["lines"] = [child for _n, child in children]
            line_numbers[index] = [n for n, _child in children]
    # Always partial here: the caller's transaction decides whether anything is kept.
    outcome = upsert.upsert_batch(
        token=token, kind=kind, records=[data for _n, data in batch], partial=True
    )
    summary.created += outcome.created
    summary.updated += outcome.updated
    summary.unchanged += outcome.unchanged
    summary.errors += len({e["index"] for e in outcome.errors})
    for error in outcome.errors:
        where, field = f"{name}:{batch[error['index']][0]}", error["field"]
        parts = field.split(".")
        if staged is not None and parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            where = f"{staged.name}:{line_numbers[error['index']][int(parts[1])]}"
            field = ".".join(parts[2:])
        result.errors.append(
            f"{where}: {field}: {error['message']}" if field else f"{where}: {error['message']}"
        )
