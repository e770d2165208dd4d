"""The forecast's grouped sums of cases ("cells"): one grouped query per figure set,
the weighted amount and the forecast category worked out in SQL.

Split from :mod:`relata.dashboard.forecast`, which re-exports what it uses from here.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DecimalField,
    F,
    IntegerField,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.functions import Cast, Coalesce, Round
from django.db.models.lookups import GreaterThanOrEqual

from relata.cases.models import Case

if TYPE_CHECKING:
    from relata.dashboard.forecast import OpportunityStatuses


def amount_cents() -> Cast:
    """Return the amount in whole cents. ``Round`` first: SQLite multiplies a float."""
    return Cast(Round(F("amount") * 100), output_field=BigIntegerField())


@dataclass(slots=True)
class Cell:
    """The open (or won) cases of one period, owner, team, status and forecast category
    (each part of the key only when asked for)."""

    period: datetime.date | None
    owner_id: int | None
    team_id: int | None
    status_id: int | None
    category: str | None  # committed, best_case or pipeline (see forecast_categories)
    count: int
    cents: int  # the amount in cents
    units: int  # cents × percent: the weighted amount × 10 000


def cell_probability(statuses: OpportunityStatuses) -> Coalesce:
    """The effective probability, with the statuses' defaults written into the query: no
    join to the statuses for each of the (possibly hundreds of thousands of) cases."""
    defaults = [
        When(status_id=pk, then=Value(status.default_probability))
        for pk, status in sorted(statuses.by_id.items())
    ]
    by_status = DbCase(*defaults, default=Value(0), output_field=IntegerField())
    return Coalesce("probability", by_status, output_field=IntegerField())


def category_expression(probability: Any, committed: int, best_case: int) -> DbCase:
    """The forecast category of a probability (thresholds: general parameters)."""
    return DbCase(
        When(GreaterThanOrEqual(probability, committed), then=Value("committed")),
        When(GreaterThanOrEqual(probability, best_case), then=Value("best_case")),
        default=Value("pipeline"),
        output_field=CharField(),
    )


def _cell_aggregates(probability: Any) -> dict[str, Any]:
    # PostgreSQL sums the decimals exactly; SQLite keeps them as floating point, so there
    # the amounts are summed as whole cents. COUNT(*), not of the ids: PostgreSQL can then
    # read the cases from a covering index alone, without the table.
    if connection.vendor == "postgresql":
        return {
            "count": Count("*"),
            "amount_sum": Sum("amount"),
            "weighted_sum": Sum(
                F("amount") * probability,
                output_field=DecimalField(max_digits=30, decimal_places=2),
            ),
        }
    return {
        "count": Count("*"),
        "cents": Sum(amount_cents(), output_field=BigIntegerField()),
        "weighted_units": Sum(amount_cents() * probability, output_field=BigIntegerField()),
    }


def grouped_cells(
    cases: QuerySet[Case],
    statuses: OpportunityStatuses,
    *,
    period: Any = None,
    fields: tuple[str, ...] = ("owner_id",),
    thresholds: tuple[int, int] | None = None,
) -> list[Cell]:
    """Return ``cases`` summed per ``period`` (an expression, or none) and ``fields``
    (of owner_id, team_id, status_id), and per forecast category when ``thresholds``
    (committed, best case) are given; each sum with its weighted amount.

    The weighted amount is summed in the database (cents × percent, exact) rather than
    grouping by probability: a few hundred groups instead of thousands to read.
    """
    probability = cell_probability(statuses)
    names = [*(("period",) if period is not None else ()), *fields]
    if period is not None:
        cases = cases.annotate(period=period)
    if thresholds is not None:
        cases = cases.annotate(category=category_expression(probability, *thresholds))
        names.append("category")
    rows = cases.order_by().values(*names).annotate(**_cell_aggregates(probability))
    hundred = decimal.Decimal(100)
    cells = []
    for row in rows:
        if "amount_sum" in row:
            cents = int((row["amount_sum"] or 0) * hundred)
            units = int((row["weighted_sum"] or 0) * hundred)
        else:
            cents = int(row["cents"] or 0)
            units = int(row["weighted_units"] or 0)
        cells.append(
            Cell(
                period=row.get("period"),
                owner_id=row.get("owner_id"),
                team_id=row.get("team_id"),
                status_id=row.get("status_id"),
                category=row.get("category"),
                count=row["count"],
                cents=cents,
                units=units,
            )
        )
    return cells
