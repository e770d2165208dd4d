"""Writes of the forecast's stored data: the sales targets managers set, and the weekly
pipeline snapshots.

Who may set a target: administrators for anyone; managers for themselves and the members
of their teams; nobody else. Every change of a target is a history row (simple-history)
naming who made it.

A snapshot copies every open opportunity, plus the opportunities closed since the
previous snapshot, so that comparing two snapshots sees them won or lost rather than
gone. Taking a snapshot twice on one day replaces that day's rows in one transaction: the
worker's weekly run is harmless to repeat, and an administrator's "take one now" later in
the day shows the pipeline as it is then.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import IntegerField, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.cases.models import Case, StatusMeaning
from relata.core import permissions
from relata.core.history import set_history_user
from relata.core.models import Role, User
from relata.dashboard.models import PipelineSnapshot, PipelineSnapshotRow, SalesTarget

CENT = decimal.Decimal("0.01")
MAX_AMOUNT = decimal.Decimal("999999999999.99")
MIN_YEAR, MAX_YEAR = 2000, 2100
# Without a previous snapshot, the first one keeps the opportunities closed in this window.
FIRST_SNAPSHOT_CLOSED_DAYS = 7


# --- Sales targets --------------------------------------------------------------------


def can_set_target(user: User, agent: User) -> bool:
    """Return whether ``user`` may set ``agent``'s targets."""
    if permissions.is_administrator(user):
        return True
    if not permissions.can_write(user) or user.role != Role.MANAGER:
        return False
    return agent.pk == user.pk or agent.pk in permissions.team_member_ids(user)


def _clean_amount(value: Any) -> decimal.Decimal | None:
    """Return the amount as a Decimal of 2 places, None for "no target"; raise on bad input."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation as error:
        raise ValidationError(_("Enter a number.")) from error
    if not amount.is_finite():
        raise ValidationError(_("Enter a number."))
    if amount < 0:
        raise ValidationError(_("A target cannot be negative."))
    if amount != amount.quantize(CENT, rounding=decimal.ROUND_HALF_UP):
        raise ValidationError(_("Use at most 2 decimal places."))
    if amount > MAX_AMOUNT:
        raise ValidationError(_("That amount is too large."))
    return amount.quantize(CENT)


def _check_year(year: Any) -> int:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": _("Choose a year between %(min)s and %(max)s.")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            }
        )
    return year


def _clean_months(amounts: Mapping[Any, Any]) -> dict[int, decimal.Decimal | None]:
    """Return ``{month: amount or None}``; raise one error per bad month or amount."""
    cleaned: dict[int, decimal.Decimal | None] = {}
    errors: dict[str, list[str]] = {}
    for month, value in amounts.items():
        if not isinstance(month, int) or not 1 <= month <= 12:
            errors.setdefault("month", []).append(_("A month is a number from 1 to 12."))
            continue
        try:
            cleaned[month] = _clean_amount(value)
        except ValidationError as error:
            errors[str(month)] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _write(*, user: User, agent: User, year: int, months: dict[int, decimal.Decimal | None]) -> int:
    """Write the cleaned months of one agent's year; return how many rows changed."""
    current = {
        t.month: t
        for t in SalesTarget.objects.select_for_update().filter(
            user=agent, year=year, month__in=list(months)
        )
    }
    changed = 0
    for month, amount in sorted(months.items()):
        target = current.get(month)
        if amount is None:
            if target is not None:
                set_history_user(target, user)
                target.delete()
                changed += 1
            continue
        if target is not None and target.amount == amount:
            continue
        if target is None:
            target = SalesTarget(user=agent, year=year, month=month)
        target.amount = amount
        target.set_by = user
        set_history_user(target, user)
        target.save()
        changed += 1
    return changed


@transaction.atomic
def target_set(
    *, user: User, agent: User, year: int, month: int, amount: decimal.Decimal | str | None
) -> SalesTarget | None:
    """Set ``agent``'s target for one month (None or "" removes it); return the target."""
    permissions.ensure(can_set_target(user, agent), _("You cannot set this agent's targets."))
    _check_year(year)
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError({"month": _("A month is a number from 1 to 12.")})
    try:
        cleaned = _clean_amount(amount)
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from error
    _write(user=user, agent=agent, year=year, months={month: cleaned})
    return SalesTarget.objects.filter(user=agent, year=year, month=month).first()


@transaction.atomic
def targets_set_year(
    *, user: User, agent: User, year: int, amounts: Mapping[int, decimal.Decimal | str | None]
) -> int:
    """Set the monthly targets of ``agent``'s ``year`` at once (all or none).

    ``amounts`` maps a month (1–12) to its amount; None or "" removes that month's target;
    months not given are left alone. The errors are keyed by the month (``"3"``). Return
    how many months changed.
    """
    permissions.ensure(can_set_target(user, agent), _("You cannot set this agent's targets."))
    _check_year(year)
    return _write(user=user, agent=agent, year=year, months=_clean_months(amounts))


@transaction.atomic
def targets_set_grid(
    *,
    user: User,
    year: int,
    grid: Mapping[User, Mapping[int, decimal.Decimal | str | None]],
) -> int:
    """Set several agents' years at once, all or none (the targets page's "save all").

    The errors are keyed ``"<agent id>-<month>"``; one agent the user may not set refuses
    the whole grid. Return how many months changed.
    """
    _check_year(year)
    for agent in grid:
        permissions.ensure(
            can_set_target(user, agent),
            _("You cannot set the targets of %(name)s.") % {"name": agent},
        )
    cleaned: dict[User, dict[int, decimal.Decimal | None]] = {}
    errors: dict[str, list[str]] = {}
    for agent, amounts in grid.items():
        try:
            cleaned[agent] = _clean_months(amounts)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors[f"{agent.pk}-{key}"] = messages
    if errors:
        raise ValidationError(errors)
    return sum(
        _write(user=user, agent=agent, year=year, months=months)
        for agent, months in cleaned.items()
    )


# --- Pipeline snapshots ---------------------------------------------------------------

# The copied columns of a snapshot row, and the case lookups they are read from (in order).
_ROW_COLUMNS = (
    ("case_id", "pk"),
    ("number", "number"),
    ("subject", "subject"),
    ("case_type_id", "case_type_id"),
    ("status_id", "status_id"),
    ("meaning", "status__meaning"),
    ("owner_id", "owner_id"),
    ("team_id", "team_id"),
    ("amount", "amount"),
    ("currency", "currency"),
    ("probability", "snapshot_probability"),
    ("expected_close_date", "expected_close_date"),
)


def snapshot_cases(*, since: datetime.datetime) -> QuerySet[Case]:
    """Return the cases a snapshot copies: every open opportunity, and every opportunity
    closed (won, lost or closed) at or after ``since``."""
    return (
        Case.objects.filter(case_type__is_opportunity=True)
        .filter(
            Q(status__meaning=StatusMeaning.OPEN)
            | Q(closed_at__gte=since) & ~Q(status__meaning=StatusMeaning.OPEN)
        )
        .annotate(snapshot_probability=Coalesce("probability", "status__default_probability"))
        .order_by()
    )


def _copy_rows(snapshot: PipelineSnapshot, cases: QuerySet[Case]) -> int:
    """Copy ``cases`` into ``snapshot``'s rows with one INSERT … SELECT; return the count.

    The database copies the rows itself: 200,000 opportunities take a few seconds, where
    building model instances for ``bulk_create`` (batches of 2,000) took close to a
    minute on SQLite.
    """
    select = cases.annotate(snapshot_ref=Value(snapshot.pk, output_field=IntegerField()))
    lookups = ["snapshot_ref", *(lookup for _column, lookup in _ROW_COLUMNS)]
    sql, params = select.values_list(*lookups).query.sql_with_params()
    table = connection.ops.quote_name(PipelineSnapshotRow._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c) for c in ["snapshot_id", *(c for c, _l in _ROW_COLUMNS)]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return int(cursor.rowcount)


@transaction.atomic
def snapshot_take(*, on: datetime.date | None = None, user: User | None = None) -> PipelineSnapshot:
    """Store the pipeline as it stands now under the date ``on`` (default today).

    Taking it again on the same date replaces that date's rows. ``user`` (None for the
    background worker) must be an administrator. The closed opportunities kept are those
    closed since the previous snapshot was taken (the last 7 days for the first one).
    """
    if user is not None:
        permissions.ensure(
            permissions.is_administrator(user), _("Only administrators take snapshots.")
        )
    now = timezone.now()
    on = on or timezone.localdate(now)
    previous = PipelineSnapshot.objects.filter(taken_on__lt=on).order_by("-taken_on").first()
    since = (
        previous.taken_at
        if previous is not None
        else now - datetime.timedelta(days=FIRST_SNAPSHOT_CLOSED_DAYS)
    )
    snapshot, created = PipelineSnapshot.objects.select_for_update().get_or_create(
        taken_on=on, defaults={"taken_at": now, "taken_by": user}
    )
    if not created:
        PipelineSnapshotRow.objects.filter(snapshot=snapshot).delete()
    count = _copy_rows(snapshot, snapshot_cases(since=since))
    snapshot.taken_at = now
    snapshot.taken_by = user
    snapshot.case_count = count
    snapshot.save(update_fields=["taken_at", "taken_by", "case_count"])
    return snapshot
