"""Import of entities and contacts: turning mapped rows into service calls, all or nothing.

The dry run and the real run are the same code. Every row goes through
:func:`~relata.entities.services.entity_create` or
:func:`~relata.entities.services.contact_create` with the importing user (so that
validation, normalisation, permissions and owner defaults are the services' own), each
row in a savepoint, all rows in one transaction. The dry run always rolls that
transaction back; the real run rolls it back when any row failed, and then reports the
errors exactly as the dry run would have. A tax id repeated inside the file is therefore
caught like one already in the database.

Values are read leniently before they reach the services (see :mod:`.values`):
classification lists by code or label (English or Spanish), yes/no in both languages,
day-first dates, decimal commas, money as ``12.50 EUR``, choices by value or label,
countries by code or name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.models import User
from relata.core.normalize import normalize_tax_id
from relata.customfields import selectors as field_selectors
from relata.customfields.models import FieldDefinition
from relata.entities import services
from relata.entities.dedup import find_duplicates, hidden_message
from relata.entities.io.cells import (
    fold_text,
    parse_bool,
    parse_date,
    unneutralise,
)
from relata.entities.io.fields import CONTACT, CUSTOM_PREFIX, ENTITY, TargetField, target_fields
from relata.entities.io.uploads import Table
from relata.entities.io.values import (
    EMAIL_SPLIT,
    LIST_SPLIT,
    PHONE_SPLIT,
    Lookups,
    custom_input,
    parse_company,
    split_values,
)
from relata.entities.models import (
    ClassificationValue,
    EmailAddress,
    Entity,
    EntityKind,
    PhoneNumber,
    Sector,
    Source,
    Zone,
)

PREVIEW_ROWS = 50
# Service error keys that name a list rather than the column that fed it.
ERROR_KEYS = {"emails": "email", "phones": "phone", "addresses": "street"}
ADDRESS_FIELDS = ("street", "postal_code", "city", "province", "country")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RowWarning:
    row: int
    message: str


@dataclass(frozen=True)
class RowResult:
    """What a row created (or would create): a title and the stored values worth checking."""

    row: int
    title: str
    details: tuple[str, ...] = ()


@dataclass
class ImportReport:
    target: str
    rows: int = 0
    created: list[RowResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    committed: bool = False
    created_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass
class ImportOptions:
    """Choices made on the mapping or upload page."""

    default_kind: EntityKind | None = None  # for entity rows without a kind
    entity: Entity | None = None  # every contact goes to this entity (vCard import)


@dataclass
class SourceRow:
    """One row of input: raw text per target field, and the column names that gave it."""

    number: int
    values: dict[str, list[str]]
    columns: dict[str, str]

    def first(self, key: str) -> str:
        return next(iter(self.values.get(key) or []), "")

    def has(self, key: str) -> bool:
        return key in self.columns


def rows_from_table(table: Table, mapping: list[str]) -> list[SourceRow]:
    """Return the table's rows keyed by the field each column maps to ("" = ignored)."""
    columns: dict[str, list[str]] = defaultdict(list)
    for header, key in zip(table.headers, mapping, strict=False):
        if key:
            columns[key].append(header)
    joined = {key: ", ".join(names) for key, names in columns.items()}
    rows = []
    for number, cells in table.rows:
        values: dict[str, list[str]] = defaultdict(list)
        for cell, key in zip(cells, mapping, strict=False):
            text = unneutralise(cell.strip()).strip()
            if key and text:
                values[key].append(text)
        rows.append(SourceRow(number=number, values=dict(values), columns=joined))
    return rows


# --- Reading values ----------------------------------------------------------------------


class _Problems:
    """The errors of one row, keyed by target field until the columns are known."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, message: str) -> None:
        self.items.append((key, message))

    def add_validation(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                key = ERROR_KEYS.get(key, key)
                for message in messages:
                    self.add("" if key == "__all__" else key, message)
        else:
            for message in error.messages:
                self.add("", message)

    def __bool__(self) -> bool:
        return bool(self.items)


def _custom_values(row: SourceRow, definitions: list[FieldDefinition]) -> dict[str, Any]:
    return {
        d.key: custom_input(d, row.first(f"{CUSTOM_PREFIX}{d.key}"))
        for d in definitions
        if row.first(f"{CUSTOM_PREFIX}{d.key}")
    }


def _bool_field(row: SourceRow, key: str, data: dict[str, Any], problems: _Problems) -> None:
    raw = row.first(key)
    if not raw:
        return
    flag = parse_bool(raw)
    if flag is None:
        problems.add(key, _("“%(value)s” is not yes or no.") % {"value": raw})
    else:
        data[key] = flag


def _lookup(problems: _Problems, key: str, raw: str, find: Callable[[str], Any]) -> Any:
    if not raw:
        return None
    try:
        return find(raw)
    except ValidationError as error:
        for message in error.messages:
            problems.add(key, message)
        return None


# --- Rows --------------------------------------------------------------------------------


class _Discard(Exception):
    """Raised inside a row's savepoint to undo a row that was written only to be checked."""


@dataclass
class _Context:
    user: User
    options: ImportOptions
    lookups: Lookups
    definitions: list[FieldDefinition]
    labels: dict[str, str]
    report: ImportReport
    commit: bool


def _entity_row(row: SourceRow, ctx: _Context, problems: _Problems) -> RowResult | None:
    data: dict[str, Any] = {"legal_name": row.first("legal_name")}
    for key in ("trade_name", "tax_id", "website", "notes"):
        if row.has(key):
            data[key] = row.first(key)
    if raw := row.first("is_company"):
        flag = parse_company(raw)
        if flag is None:
            problems.add(
                "is_company", _("“%(value)s” is not “company” or “person”.") % {"value": raw}
            )
        else:
            data["is_company"] = flag
    _bool_field(row, "is_active", data, problems)
    lookups = ctx.lookups
    kind = _lookup(problems, "kind", row.first("kind"), partial(lookups.classification, EntityKind))
    if kind is None and not row.first("kind"):
        kind = ctx.options.default_kind
        if kind is None:
            problems.add("kind", _("Enter the kind, or choose one for rows without it."))
    # A placeholder kind lets the services check the rest of the row; the row is undone.
    data["kind"] = kind or lookups.first_kind()
    models: tuple[tuple[str, type[ClassificationValue]], ...] = (
        ("source", Source),
        ("sector", Sector),
        ("zone", Zone),
    )
    for key, model in models:
        value = _lookup(problems, key, row.first(key), partial(lookups.classification, model))
        if value is not None:
            data[key] = value
    if owner := _lookup(problems, "owner", row.first("owner"), lookups.user):
        data["owner"] = owner
    if team := _lookup(problems, "team", row.first("team"), lookups.team):
        data["team"] = team
    address = {key: row.first(key) for key in ADDRESS_FIELDS if row.first(key)}
    if "country" in address:
        code = _lookup(problems, "country", address["country"], lookups.country)
        address["country"] = code or ""
    emails = [{"email": e} for e in _entity_emails(row)]
    phones = [{"number": p} for p in _entity_phones(row)]
    if data["kind"] is None:
        return None
    with transaction.atomic():
        entity = services.entity_create(
            user=ctx.user,
            data=data,
            emails=emails,
            phones=phones,
            addresses=[{**address, "is_main": True}] if address else [],
            tags=split_values(row.values.get("tags", []), LIST_SPLIT),
            custom=_custom_values(row, ctx.definitions),
        )
        if problems:
            raise _Discard
    if len(ctx.report.created) >= PREVIEW_ROWS:
        return RowResult(row.number, entity.legal_name)
    details = [entity.tax_id, entity.kind.label]
    details += EmailAddress.objects.filter(entity=entity, contact=None).values_list(
        "email", flat=True
    )
    details += PhoneNumber.objects.filter(entity=entity, contact=None).values_list(
        "number", flat=True
    )
    if entity.owner_id:
        details.append(_("owner: %(name)s") % {"name": entity.owner})
    return RowResult(row.number, entity.legal_name, tuple(d for d in details if d))


def _contact_entity(row: SourceRow, ctx: _Context, problems: _Problems) -> Entity | None:
    if ctx.options.entity is not None:
        return ctx.options.entity
    raw_tax_id, name = row.first("entity_tax_id"), row.first("entity_name")
    if raw_tax_id:
        try:
            tax_id = normalize_tax_id(raw_tax_id)
        except ValidationError as error:
            problems.add("entity_tax_id", error.messages[0])
            return None
        found = ctx.lookups.entities(ctx.user, tax_id=tax_id)
        key, shown = "entity_tax_id", raw_tax_id
    elif name:
        found = ctx.lookups.entities(ctx.user, name=name)
        key, shown = "entity_name", name
    else:
        key = "entity_tax_id" if row.has("entity_tax_id") else "entity_name"
        problems.add(key, _("Enter the entity's tax id or legal name."))
        return None
    if not found:
        problems.add(key, _("There is no entity “%(value)s” that you can see.") % {"value": shown})
        return None
    if len(found) > 1:
        problems.add(
            key,
            _("Several entities are called “%(value)s”: identify it by its tax id.")
            % {"value": shown},
        )
        return None
    return found[0]


def _contact_row(row: SourceRow, ctx: _Context, problems: _Problems) -> RowResult | None:
    entity = _contact_entity(row, ctx, problems)
    data: dict[str, Any] = {"first_name": row.first("first_name")}
    for key in ("last_name", "job_title", "department", "notes", "email_opt_in_source"):
        if row.has(key):
            data[key] = row.first(key)
    if language := _lookup(problems, "language", row.first("language"), ctx.lookups.language):
        data["language"] = language
    if raw := row.first("birthday"):
        birthday = parse_date(raw)
        if birthday is None:
            problems.add(
                "birthday",
                _("“%(value)s” is not a date: write it as 2025-03-31 or 31/03/2025.")
                % {"value": raw},
            )
        else:
            data["birthday"] = birthday
    _bool_field(row, "email_opt_in", data, problems)
    _bool_field(row, "is_active", data, problems)
    if entity is None:
        return None
    emails = [{"email": e} for e in split_values(row.values.get("email", []), EMAIL_SPLIT)]
    phones = [{"number": p} for p in split_values(row.values.get("phone", []), PHONE_SPLIT)]
    try:
        with transaction.atomic():
            contact = services.contact_create(
                user=ctx.user,
                entity=entity,
                data=data,
                emails=emails,
                phones=phones,
                custom=_custom_values(row, ctx.definitions),
            )
            if problems:
                raise _Discard
    except PermissionDenied:
        key = next((k for k in ("entity_tax_id", "entity_name") if row.first(k)), "")
        problems.add(
            key,
            _("You cannot add contacts to “%(name)s”.") % {"name": entity.display_name},
        )
        return None
    if len(ctx.report.created) >= PREVIEW_ROWS:
        return RowResult(row.number, contact.full_name)
    details = [entity.display_name, contact.job_title]
    details += EmailAddress.objects.filter(contact=contact).values_list("email", flat=True)
    details += PhoneNumber.objects.filter(contact=contact).values_list("number", flat=True)
    return RowResult(row.number, contact.full_name, tuple(d for d in details if d))


def _entity_emails(row: SourceRow) -> list[str]:
    return split_values(row.values.get("email", []), EMAIL_SPLIT)


def _entity_phones(row: SourceRow) -> list[str]:
    return split_values(row.values.get("phone", []), PHONE_SPLIT)


def duplicate_warnings(*, user: User, rows: list[SourceRow]) -> list[RowWarning]:
    """Return the possible duplicates of entity rows, as warnings that do not stop the import.

    Each row is compared with the entities already saved (:mod:`relata.entities.dedup`)
    and with the rows above it in the file (same email, phone or name). Only reads: the
    dry run does this before its write transaction, to hold SQLite's write lock less long.
    """
    warnings: list[RowWarning] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        emails, phones = _entity_emails(row), _entity_phones(row)
        data = {k: row.first(k) for k in ("legal_name", "trade_name", "tax_id", "website")}
        candidates = find_duplicates(user=user, data=data, emails=emails, phones=phones)
        for candidate in candidates:
            if candidate.entity is not None:
                message = _("Looks like “%(name)s” (%(reasons)s).") % {
                    "name": candidate.entity.display_name,
                    "reasons": ", ".join(candidate.reason_labels),
                }
                warnings.append(RowWarning(row.number, message))
        if hidden := hidden_message(candidates):
            warnings.append(RowWarning(row.number, hidden))
        keys = [("name", fold_text(data["legal_name"]))]
        keys += [("email", e.lower()) for e in emails]
        keys += [("phone", re.sub(r"\D", "", p)) for p in phones]
        repeats = {kind: seen[(kind, value)] for kind, value in keys if (kind, value) in seen}
        for kind, first in repeats.items():
            message = {
                "name": _("Same name as row %(row)d."),
                "email": _("Same email as row %(row)d."),
                "phone": _("Same phone as row %(row)d."),
            }[kind]
            warnings.append(RowWarning(row.number, message % {"row": first}))
        for key in keys:
            if key[1]:
                seen.setdefault(key, row.number)
    return warnings


# --- The run -----------------------------------------------------------------------------


def _record_problems(row: SourceRow, ctx: _Context, problems: _Problems) -> None:
    for key, message in problems.items:
        column = row.columns.get(key, "")
        if not column and key:
            message = f"{ctx.labels.get(key, key)}: {message}"
        ctx.report.errors.append(RowError(row.number, column, message))


def run_import(
    *,
    user: User,
    target: str,
    rows: Iterable[SourceRow],
    options: ImportOptions | None = None,
    commit: bool,
) -> ImportReport:
    """Import ``rows`` as entities or contacts of ``user``; all or nothing.

    With ``commit=False`` (the dry run) nothing is kept whatever happens; with
    ``commit=True`` everything is kept only when no row has an error. Either way the
    report lists each row's errors (row number, column, message), and the dry run also
    lists possible duplicates as warnings.
    """
    permissions.ensure(permissions.can_write(user))
    if target not in (ENTITY, CONTACT):
        raise ValueError(f"unknown import target {target!r}")
    fields: list[TargetField] = target_fields(target)
    ctx = _Context(
        user=user,
        options=options or ImportOptions(),
        lookups=Lookups(),
        definitions=field_selectors.field_definitions(target=target),
        labels={f.key: str(f.label) for f in fields},
        report=ImportReport(target=target),
        commit=commit,
    )
    process = _entity_row if target == ENTITY else _contact_row
    rows = list(rows)
    if target == ENTITY and not commit:
        # Only the dry run warns: the real run saves what the person has already seen.
        ctx.report.warnings = duplicate_warnings(user=user, rows=rows)
    with transaction.atomic():
        for row in rows:
            ctx.report.rows += 1
            problems = _Problems()
            result = None
            try:
                result = process(row, ctx, problems)
            except _Discard:
                pass
            except ValidationError as error:
                problems.add_validation(error)
            except PermissionDenied as error:
                problems.add("owner" if row.first("owner") else "", str(error))
            except IntegrityError:
                problems.add("", _("This row clashes with a record saved at the same moment."))
            if problems:
                _record_problems(row, ctx, problems)
            elif result is not None:
                ctx.report.created_count += 1
                if len(ctx.report.created) < PREVIEW_ROWS:
                    ctx.report.created.append(result)
        if commit and ctx.report.ok:
            ctx.report.committed = True
        else:
            transaction.set_rollback(True)
    return ctx.report
