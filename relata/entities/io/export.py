"""Export of entity and contact lists to CSV and XLSX.

CSV is UTF-8 with a byte-order mark (so that Excel reads the accents), comma-separated,
CRLF line endings, streamed row by row. XLSX is written by openpyxl in write-only mode to a
temporary file. In both, every text cell that a spreadsheet would take for a formula gets a
leading quote (see :func:`relata.entities.io.cells.neutralise`).

:func:`export_entities` and :func:`export_contacts` export a queryset the caller has
already limited to what the user may see (a list selector, a segment); give them ``user``
and they limit it once more themselves.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, Prefetch, QuerySet
from django.http import FileResponse, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from relata.core import permissions
from relata.core.models import User
from relata.customfields import selectors as field_selectors
from relata.customfields.models import FieldDefinition
from relata.entities import selectors
from relata.entities.forms import EntityFilterForm
from relata.entities.io.cells import custom_value_text, neutralise, yes_no
from relata.entities.models import Address, Contact, EmailAddress, Entity, PhoneNumber

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 1000

R = TypeVar("R", bound=Model)
Cell = str | int


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str | Promise
    value: Callable[[R], Cell]


def _first(items: list[Any] | None) -> Any:
    return items[0] if items else None


def _main_address(entity: Entity) -> Address | None:
    return _first(getattr(entity, "main_addresses", None))


def _address_part(name: str) -> Callable[[Entity], str]:
    def value(entity: Entity) -> str:
        address = _main_address(entity)
        return getattr(address, name) if address else ""

    return value


def _code(name: str) -> Callable[[Entity], str]:
    def value(entity: Entity) -> str:
        related = getattr(entity, name)
        return related.code if related else ""

    return value


def _main_email(record: Entity | Contact) -> str:
    email = _first(getattr(record, "main_emails", None))
    return email.email if email else ""


def _main_phone(record: Entity | Contact) -> str:
    phone = _first(getattr(record, "main_phones", None))
    return phone.number if phone else ""


ENTITY_COLUMNS: tuple[Column[Entity], ...] = (
    Column(gettext_lazy("ID"), lambda e: e.pk),
    Column(gettext_lazy("Legal name"), lambda e: e.legal_name),
    Column(gettext_lazy("Trade name"), lambda e: e.trade_name),
    Column(
        gettext_lazy("Company or person"),
        lambda e: _("company") if e.is_company else _("person"),
    ),
    Column(gettext_lazy("Kind"), _code("kind")),
    Column(gettext_lazy("Tax ID"), lambda e: e.tax_id),
    Column(gettext_lazy("Email"), _main_email),
    Column(gettext_lazy("Phone"), _main_phone),
    Column(gettext_lazy("Street"), _address_part("street")),
    Column(gettext_lazy("Postal code"), _address_part("postal_code")),
    Column(gettext_lazy("City"), _address_part("city")),
    Column(gettext_lazy("Province"), _address_part("province")),
    Column(gettext_lazy("Country"), _address_part("country")),
    Column(gettext_lazy("Website"), lambda e: e.website),
    Column(gettext_lazy("Source"), _code("source")),
    Column(gettext_lazy("Sector"), _code("sector")),
    Column(gettext_lazy("Zone"), _code("zone")),
    Column(gettext_lazy("Owner"), lambda e: e.owner.username if e.owner else ""),
    Column(gettext_lazy("Team"), lambda e: e.team.name if e.team else ""),
    Column(gettext_lazy("Tags"), lambda e: ", ".join(t.name for t in e.tags.all())),
    Column(gettext_lazy("Active"), lambda e: yes_no(e.is_active)),
)

CONTACT_COLUMNS: tuple[Column[Contact], ...] = (
    Column(gettext_lazy("ID"), lambda c: c.pk),
    Column(gettext_lazy("First name"), lambda c: c.first_name),
    Column(gettext_lazy("Last name"), lambda c: c.last_name),
    Column(gettext_lazy("Job title"), lambda c: c.job_title),
    Column(gettext_lazy("Department"), lambda c: c.department),
    Column(gettext_lazy("Entity"), lambda c: c.entity.legal_name),
    Column(gettext_lazy("Entity tax ID"), lambda c: c.entity.tax_id),
    Column(gettext_lazy("Email"), _main_email),
    Column(gettext_lazy("Phone"), _main_phone),
    Column(gettext_lazy("Language"), lambda c: c.language),
    Column(gettext_lazy("Birthday"), lambda c: c.birthday.isoformat() if c.birthday else ""),
    Column(gettext_lazy("Accepts marketing email"), lambda c: yes_no(c.email_opt_in)),
    Column(gettext_lazy("Active"), lambda c: yes_no(c.is_active)),
)


# --- Querysets -------------------------------------------------------------------------


def _entity_export_queryset(queryset: QuerySet[Entity]) -> QuerySet[Entity]:
    """Return ``queryset`` with what the columns read, in a fixed number of queries.

    Earlier prefetches are dropped: a segment's queryset may prefetch other things, and
    the same lookup prefetched twice with different querysets is an error.
    """
    return (
        queryset.select_related("kind", "owner", "team", "source", "sector", "zone")
        .prefetch_related(None)
        .prefetch_related(
            "tags",
            Prefetch(
                "emails",
                queryset=EmailAddress.objects.filter(contact=None, is_main=True),
                to_attr="main_emails",
            ),
            Prefetch(
                "phones",
                queryset=PhoneNumber.objects.filter(contact=None, is_main=True),
                to_attr="main_phones",
            ),
            Prefetch(
                "addresses",
                queryset=Address.objects.filter(is_main=True),
                to_attr="main_addresses",
            ),
        )
    )


def _contact_export_queryset(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    return (
        queryset.select_related("entity")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "emails", queryset=EmailAddress.objects.filter(is_main=True), to_attr="main_emails"
            ),
            Prefetch(
                "phones", queryset=PhoneNumber.objects.filter(is_main=True), to_attr="main_phones"
            ),
        )
    )


def _digits(params: Mapping[str, Any], name: str) -> str:
    value = str(params.get(name) or "").strip()
    return value if value.isdigit() else ""


def _query(params: Mapping[str, Any]) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return query


def entities_for_export(*, user: User, params: Mapping[str, Any]) -> QuerySet[Entity]:
    """Return the entities of the list that ``params`` (the list's query string) shows.

    The list's own filter form reads them (``q``, ``kind``, ``source``, ``sector``,
    ``zone``, ``owner``, ``team``, ``tags``, ``is_active``, ``cf_<key>``), so the export
    holds exactly the rows of the list, in its ``sort`` order; invalid values are ignored
    as the list ignores them.
    """
    form = EntityFilterForm(_query(params))
    return selectors.entity_list(
        user=user,
        search=form.search,
        filters=form.filters(),
        sort=str(params.get("sort") or "name"),
    )


def contacts_for_export(
    *, user: User, params: Mapping[str, Any], ids: Iterable[str] = ()
) -> QuerySet[Contact]:
    """Return the contacts of the contact list for ``params`` (``q``, ``entity``), or only
    those of ``ids`` (a selection) when given."""
    qs = selectors.contact_list(user=user, search=str(params.get("q") or ""))
    if entity := _digits(params, "entity"):
        qs = qs.filter(entity_id=int(entity))
    selected = [int(i) for i in ids if str(i).isdigit()]
    if selected:
        qs = qs.filter(pk__in=selected)
    return qs


# --- Tables ----------------------------------------------------------------------------


def _table(
    columns: tuple[Column[R], ...],
    definitions: list[FieldDefinition],
    records: Iterable[R],
) -> tuple[list[str], Iterator[list[Cell]]]:
    header = [str(c.header) for c in columns] + [d.label for d in definitions]

    def rows() -> Iterator[list[Cell]]:
        for record in records:
            custom = getattr(record, "custom", None) or {}
            yield [c.value(record) for c in columns] + [
                custom_value_text(d, custom.get(d.key)) for d in definitions
            ]

    return header, rows()


def entity_table(queryset: QuerySet[Entity]) -> tuple[list[str], Iterator[list[Cell]]]:
    """Return the header and the rows (ids as numbers, the rest as text) of an export."""
    qs = _entity_export_queryset(queryset)
    return _table(
        ENTITY_COLUMNS,
        field_selectors.field_definitions(target="entity"),
        qs.iterator(chunk_size=CHUNK_SIZE),
    )


def contact_table(queryset: QuerySet[Contact]) -> tuple[list[str], Iterator[list[Cell]]]:
    qs = _contact_export_queryset(queryset)
    return _table(
        CONTACT_COLUMNS,
        field_selectors.field_definitions(target="contact"),
        qs.iterator(chunk_size=CHUNK_SIZE),
    )


# --- Files -----------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what is written, for a streamed csv.writer."""

    def write(self, value: str) -> str:
        return value


def _safe(cell: Cell) -> Cell:
    return neutralise(cell) if isinstance(cell, str) else cell


def csv_response(
    header: list[str], rows: Iterable[list[Cell]], filename: str
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([_safe(h) for h in header])
        for row in rows:
            yield writer.writerow([_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(cell: Cell) -> Cell:
    if isinstance(cell, str):
        # openpyxl refuses control characters, and writes a string starting with "=" as a
        # formula: neutralising prevents the second.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", cell))
    return cell


def xlsx_response(
    header: list[str], rows: Iterable[list[Cell]], filename: str, title: str
) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _filename(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def _response(
    table: tuple[list[str], Iterator[list[Cell]]], fmt: str, stem: str, title: str
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    header, rows = table
    if fmt == "csv":
        return csv_response(header, rows, _filename(stem, fmt))
    return xlsx_response(header, rows, _filename(stem, fmt), title)


def export_entities(
    queryset: QuerySet[Entity], fmt: str, *, user: User | None = None, filename: str = "entities"
) -> HttpResponseBase:
    """Return a download of ``queryset``'s entities as ``fmt`` (``"csv"`` or ``"xlsx"``).

    The queryset must already be limited to what the user may see (a list selector, a
    segment); with ``user`` it is limited once more here.
    """
    if user is not None:
        queryset = permissions.scope(user, queryset)
    return _response(entity_table(queryset), fmt, filename, str(_("Entities")))


def export_contacts(
    queryset: QuerySet[Contact], fmt: str, *, user: User | None = None, filename: str = "contacts"
) -> HttpResponseBase:
    """Return a download of ``queryset``'s contacts as ``fmt``; see :func:`export_entities`."""
    if user is not None:
        queryset = permissions.scope(user, queryset)
    return _response(contact_table(queryset), fmt, filename, str(_("Contacts")))
