"""How the pipeline moved between two snapshots: added, won, lost, slipped, pulled in…

Rows of the two snapshots are matched by case number (a deleted case keeps its number in
the rows, which then lose their link). Only the rows of cases the user may see now take
part; rows of deleted cases only for administrators.

Categories
----------
* added: open in *after*, not open in *before*.
* won / lost: open in *before*, won / lost or closed in *after*. When the case is absent
  from *after* (it was closed before an intermediate snapshot), its current state decides.
* removed: open in *before*, absent from *after* and not closed since (deleted, or its
  type is no longer an opportunity type).
* slipped / pulled in: open in both, expected close date later / earlier.
* amount up / amount down: open in both, with the difference.
* unchanged: open in both and none of the four above.

A case may be in several of slipped, pulled in, amount up and amount down (a deal that
slipped and grew is in both). Amounts are *after*'s, *before*'s for lost and removed;
weighted = amount × probability.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from relata.cases.models import Case, CaseStatus, StatusMeaning
from relata.cases.selectors import case_queryset
from relata.core import permissions
from relata.core.models import User
from relata.dashboard.models import PipelineSnapshot, PipelineSnapshotRow

CENT = decimal.Decimal("0.01")
ZERO = decimal.Decimal("0.00")

CATEGORIES: dict[str, Any] = {
    "added": _("Added"),
    "won": _("Won"),
    "lost": _("Lost"),
    "slipped": _("Slipped"),
    "pulled_in": _("Pulled in"),
    "amount_up": _("Amount up"),
    "amount_down": _("Amount down"),
    "removed": _("Removed"),
    "unchanged": _("Unchanged"),
}
# Categories whose figures are the *before* snapshot's.
BEFORE_CATEGORIES = ("lost", "removed")
ROW_FIELDS = (
    "case_id",
    "number",
    "subject",
    "status_id",
    "meaning",
    "owner_id",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
)


@dataclass(frozen=True)
class SnapshotRow:
    """One case in one snapshot (a plain copy of :class:`PipelineSnapshotRow`)."""

    case_id: int | None
    number: str
    subject: str
    status_id: int
    meaning: str
    owner_id: int | None
    amount: decimal.Decimal
    currency: str
    probability: int
    expected_close_date: datetime.date | None

    @property
    def is_open(self) -> bool:
        return self.meaning == StatusMeaning.OPEN

    @property
    def weighted(self) -> decimal.Decimal:
        return weighted(self.amount, self.probability)


def weighted(amount: decimal.Decimal, probability: int) -> decimal.Decimal:
    return (amount * probability / 100).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


@dataclass
class Difference:
    """One case of a category, with how it stood before and after (either may be None)."""

    category: str
    before: SnapshotRow | None
    after: SnapshotRow | None

    @property
    def row(self) -> SnapshotRow:
        row = self.after if self.category not in BEFORE_CATEGORIES else self.before
        return row or self.before or self.after  # type: ignore[return-value]

    @property
    def amount(self) -> decimal.Decimal:
        return self.row.amount

    @property
    def weighted(self) -> decimal.Decimal:
        return self.row.weighted

    @property
    def difference(self) -> decimal.Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after.amount - self.before.amount


@dataclass
class Category:
    code: str
    label: str
    count: int = 0
    amount: decimal.Decimal = ZERO
    weighted: decimal.Decimal = ZERO
    difference: decimal.Decimal = ZERO
    rows: list[Difference] = field(default_factory=list)

    def add(self, item: Difference, *, keep: bool = True) -> None:
        self.count += 1
        self.amount += item.amount
        self.weighted += item.weighted
        self.difference += item.difference or ZERO
        if keep:
            self.rows.append(item)


@dataclass
class Totals:
    count: int = 0
    amount: decimal.Decimal = ZERO
    weighted: decimal.Decimal = ZERO


@dataclass
class Comparison:
    before: PipelineSnapshot
    after: PipelineSnapshot
    categories: dict[str, Category]
    before_open: Totals
    after_open: Totals
    statuses: dict[int, CaseStatus]
    owners: dict[int, User]

    @property
    def changed(self) -> list[Category]:
        """Return the categories other than "unchanged", in their order."""
        return [c for code, c in self.categories.items() if code != "unchanged"]


def _scope(user: User, alias: str) -> tuple[str, list[Any]]:
    """Return the SQL condition (and its parameters) limiting ``alias``'s rows to the
    cases ``user`` may see now; nothing for administrators, who also see deleted cases."""
    if permissions.is_administrator(user):
        return "", []
    visible = case_queryset(user=user).select_related(None).order_by().values("pk")
    sql, params = visible.query.sql_with_params()
    return f" AND {alias}.case_id IN ({sql})", list(params)


def _decimal(value: Any) -> decimal.Decimal:
    # SQLite hands back sums and NUMERIC columns as int or float.
    return decimal.Decimal(str(value or 0)).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def _date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _row(values: Any) -> SnapshotRow | None:
    if values[1] is None:  # the number: no row on that side of the join
        return None
    return SnapshotRow(
        case_id=values[0],
        number=values[1],
        subject=values[2],
        status_id=values[3],
        meaning=values[4],
        owner_id=values[5],
        amount=_decimal(values[6]),
        currency=values[7],
        probability=int(values[8] or 0),
        expected_close_date=_date(values[9]),
    )


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{connection.ops.quote_name(name)}" for name in ROW_FIELDS)


# Both open and the same amount; the expected close date the same or unknown on a side.
_SAME = (
    "a.amount = b.amount AND (a.expected_close_date IS NULL OR b.expected_close_date IS NULL"
    " OR a.expected_close_date = b.expected_close_date)"
)


def _changed_pairs(
    user: User, before: PipelineSnapshot, after: PipelineSnapshot
) -> list[tuple[SnapshotRow | None, SnapshotRow | None]]:
    """Return (before, after) for every row that changed, read with two joins.

    The database matches the 200,000 rows of each snapshot by number; Python only sees
    the rows that differ.
    """
    table = connection.ops.quote_name(PipelineSnapshotRow._meta.db_table)
    scope_a, params_a = _scope(user, "a")
    scope_b, params_b = _scope(user, "b")
    open_ = StatusMeaning.OPEN.value
    pairs: list[tuple[SnapshotRow | None, SnapshotRow | None]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_columns('b')}, {_columns('a')} FROM {table} a "  # noqa: S608
            f"LEFT JOIN {table} b ON b.snapshot_id = %s AND b.number = a.number "
            f"WHERE a.snapshot_id = %s{scope_a} AND ("
            "(a.meaning = %s AND (b.id IS NULL OR b.meaning <> %s))"
            " OR (b.meaning = %s AND a.meaning <> %s)"
            f" OR (a.meaning = %s AND b.meaning = %s AND NOT ({_SAME})))",
            [before.pk, after.pk, *params_a, *([open_] * 6)],
        )
        width = len(ROW_FIELDS)
        for values in cursor.fetchall():
            pairs.append((_row(values[:width]), _row(values[width:])))
        cursor.execute(
            f"SELECT {_columns('b')} FROM {table} b "  # noqa: S608
            f"WHERE b.snapshot_id = %s{scope_b} AND b.meaning = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {table} a WHERE a.snapshot_id = %s AND a.number = b.number)",
            [before.pk, *params_b, open_, after.pk],
        )
        for values in cursor.fetchall():
            pairs.append((_row(values), None))
    return pairs


def _unchanged(user: User, before: PipelineSnapshot, after: PipelineSnapshot) -> Category:
    table = connection.ops.quote_name(PipelineSnapshotRow._meta.db_table)
    scope_a, params_a = _scope(user, "a")
    open_ = StatusMeaning.OPEN.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(a.amount), SUM(a.amount * a.probability) FROM {table} a "  # noqa: S608
            f"JOIN {table} b ON b.snapshot_id = %s AND b.number = a.number "
            f"WHERE a.snapshot_id = %s{scope_a} AND a.meaning = %s AND b.meaning = %s"
            f" AND {_SAME}",
            [before.pk, after.pk, *params_a, open_, open_],
        )
        count, amount, weighted_sum = cursor.fetchone()
    return Category(
        code="unchanged",
        label=str(CATEGORIES["unchanged"]),
        count=count or 0,
        amount=_decimal(amount),
        weighted=_decimal(decimal.Decimal(str(weighted_sum or 0)) / 100),
    )


def _open_totals(user: User, snapshot: PipelineSnapshot) -> Totals:
    rows = PipelineSnapshotRow.objects.filter(snapshot=snapshot, meaning=StatusMeaning.OPEN)
    if not permissions.is_administrator(user):
        rows = rows.filter(case_id__in=case_queryset(user=user).select_related(None).values("pk"))
    figures = rows.aggregate(
        n=Count("pk"),
        total=Sum("amount"),
        weighted_total=Sum(
            ExpressionWrapper(
                F("amount") * F("probability"),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            )
        ),
    )
    return Totals(
        count=figures["n"] or 0,
        amount=_decimal(figures["total"]),
        weighted=_decimal(decimal.Decimal(str(figures["weighted_total"] or 0)) / 100),
    )


def _current(case_ids: list[int]) -> dict[int, SnapshotRow]:
    """Return the present state of cases gone from the later snapshot, as rows."""
    cases = (
        Case.objects.filter(pk__in=case_ids)
        .annotate(effective=Coalesce("probability", "status__default_probability"))
        .values_list(
            "pk",
            "number",
            "subject",
            "status_id",
            "status__meaning",
            "owner_id",
            "amount",
            "currency",
            "effective",
            "expected_close_date",
        )
    )
    return {values[0]: SnapshotRow(*values) for values in cases}


def _categorise(
    was: SnapshotRow | None, is_: SnapshotRow | None, now: dict[int, SnapshotRow]
) -> list[tuple[str, SnapshotRow | None]]:
    """Return the categories of one changed pair, each with the *after* side to show."""
    if is_ is not None and is_.is_open and (was is None or not was.is_open):
        return [("added", is_)]
    if was is None or not was.is_open:
        return []
    if is_ is None:
        current = now.get(was.case_id) if was.case_id else None
        if current is not None and current.meaning == StatusMeaning.WON:
            return [("won", current)]
        if current is not None and not current.is_open:
            return [("lost", current)]
        return [("removed", current)]
    if is_.meaning == StatusMeaning.WON:
        return [("won", is_)]
    if not is_.is_open:
        return [("lost", is_)]
    codes = []
    if was.expected_close_date and is_.expected_close_date:
        if is_.expected_close_date > was.expected_close_date:
            codes.append("slipped")
        elif is_.expected_close_date < was.expected_close_date:
            codes.append("pulled_in")
    if is_.amount > was.amount:
        codes.append("amount_up")
    elif is_.amount < was.amount:
        codes.append("amount_down")
    return [(code, is_) for code in codes]


def snapshot_compare(
    *, user: User, before: PipelineSnapshot, after: PipelineSnapshot
) -> Comparison:
    """Return how the pipeline the user may see moved from ``before`` to ``after``.

    A handful of queries whatever the size: the unchanged cases are counted by the
    database, never loaded.
    """
    categories = {code: Category(code=code, label=str(label)) for code, label in CATEGORIES.items()}
    pairs = _changed_pairs(user, before, after)
    gone = [was.case_id for was, is_ in pairs if is_ is None and was is not None and was.case_id]
    now = _current(gone) if gone else {}
    for was, is_ in pairs:
        for code, shown in _categorise(was, is_, now):
            categories[code].add(Difference(code, was, shown))
    categories["unchanged"] = _unchanged(user, before, after)
    for category in categories.values():
        category.rows.sort(key=lambda d: d.row.number)
    status_ids = {
        r.status_id for c in categories.values() for d in c.rows for r in (d.before, d.after) if r
    }
    owner_ids = {
        r.owner_id
        for c in categories.values()
        for d in c.rows
        for r in (d.before, d.after)
        if r and r.owner_id
    }
    return Comparison(
        before=before,
        after=after,
        categories=categories,
        before_open=_open_totals(user, before),
        after_open=_open_totals(user, after),
        statuses=CaseStatus.objects.in_bulk(list(status_ids)),
        owners=User.objects.in_bulk(list(owner_ids)),
    )


def snapshot_list() -> list[PipelineSnapshot]:
    """Return every snapshot, latest first (the page's choice of dates)."""
    return list(
        PipelineSnapshot.objects.order_by("-taken_on").only(
            "pk", "taken_on", "case_count", "taken_at"
        )
    )
