"""The vocabulary of conditions: kinds of values, operators and their labels, and the
comparisons every field builds its ``Q`` from (:func:`compare_q`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, F, Q
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IExact,
    In,
    IsNull,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relata.core.models import User

# --- Kinds and operators ---------------------------------------------------------------

TEXT = "text"
CHOICE = "choice"  # one value from a list (a foreign key, a choice custom field)
MULTI = "multi"  # several values from a list (tags, a multiple-choice custom field)
BOOLEAN = "boolean"
INTEGER = "integer"
DECIMAL = "decimal"
DATE = "date"  # compared by day
KINDS = (TEXT, CHOICE, MULTI, BOOLEAN, INTEGER, DECIMAL, DATE)

EMPTY_OPERATORS = ("is_empty", "is_not_empty")
LIST_OPERATORS = ("in", "not_in", "all")
DAYS_OPERATORS = ("in_last_days", "not_in_last_days")
NEGATED = {"ne": "eq", "not_contains": "contains", "not_in": "in"}

OPERATORS: dict[str, tuple[str, ...]] = {
    TEXT: (
        "eq",
        "ne",
        "contains",
        "not_contains",
        "starts_with",
        "in",
        "not_in",
        "is_empty",
        "is_not_empty",
    ),
    CHOICE: ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty"),
    MULTI: ("in", "all", "not_in", "is_empty", "is_not_empty"),
    BOOLEAN: ("eq", "is_empty", "is_not_empty"),
    INTEGER: ("eq", "ne", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"),
    DECIMAL: ("eq", "ne", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"),
    DATE: (
        "eq",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "in_last_days",
        "not_in_last_days",
        "is_empty",
        "is_not_empty",
    ),
}

OPERATOR_LABELS: dict[str, Promise] = {
    "eq": _("is"),
    "ne": _("is not"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "starts_with": _("starts with"),
    "in": _("is any of"),
    "not_in": _("is none of"),
    "all": _("has all of"),
    "gt": _("greater than"),
    "gte": _("at least"),
    "lt": _("less than"),
    "lte": _("at most"),
    "between": _("between"),
    "is_empty": _("is empty"),
    "is_not_empty": _("is not empty"),
    "in_last_days": _("in the last … days"),
    "not_in_last_days": _("not in the last … days"),
}
# The same operators read differently on some kinds.
KIND_OPERATOR_LABELS: dict[str, dict[str, Promise]] = {
    MULTI: {"in": _("has any of"), "not_in": _("has none of")},
    DATE: {
        "eq": _("on"),
        "gt": _("after"),
        "gte": _("on or after"),
        "lt": _("before"),
        "lte": _("on or before"),
    },
    INTEGER: {"eq": _("equals"), "ne": _("does not equal")},
    DECIMAL: {"eq": _("equals"), "ne": _("does not equal")},
}


def operator_label(kind: str, operator: str) -> str:
    label = KIND_OPERATOR_LABELS.get(kind, {}).get(operator) or OPERATOR_LABELS.get(operator)
    return str(label) if label is not None else operator


@dataclass(frozen=True)
class Context:
    """What a condition may depend on besides its value: who evaluates it, and when."""

    user: User | None
    now: datetime.datetime


Builder = Callable[[str, Any, Context], Q]
Options = Callable[[], list[tuple[Any, str]]]


@dataclass(frozen=True)
class SegmentField:
    """A field a condition can test.

    ``build(operator, value, context)`` returns the ``Q``; the value arrives checked and
    typed for the kind (``str``, ``int``, ``Decimal``, ``bool``, ``datetime.date``; a list
    for ``in``/``not_in``/``all``; a pair for ``between``; a number of days for the
    ``*_last_days`` operators; ``None`` for ``is_empty``/``is_not_empty``).
    ``options`` lists ``(value, label)`` for CHOICE and MULTI fields; ``resolve`` turns an
    option as written (an id, a code, a name) into the stored value, or raises
    ``LookupError``.
    """

    name: str
    label: str | Promise
    group: str | Promise
    kind: str
    build: Builder
    operators: tuple[str, ...] = ()
    options: Options | None = None
    resolve: Callable[[Any], Any] | None = None
    help_text: str | Promise = ""
    period: bool = False

    def allowed_operators(self) -> tuple[str, ...]:
        return self.operators or OPERATORS[self.kind]


# --- Comparisons ------------------------------------------------------------------------

# A field path ("created_at", "custom__size") or an expression (F, Cast, Subquery…).
Target = str | Expression | F

_LOOKUPS: dict[str, Any] = {
    "exact": Exact,
    "iexact": IExact,
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "lt": LessThan,
    "lte": LessThanOrEqual,
    "icontains": IContains,
    "istartswith": IStartsWith,
    "in": In,
    "isnull": IsNull,
}


def lookup_q(target: Target, lookup: str, value: Any) -> Q:
    """Return ``target <lookup> value`` for a field path (``"kind"``) or an expression."""
    if isinstance(target, str):
        return Q(**{f"{target}__{lookup}": value})
    return Q(_LOOKUPS[lookup](target, value))


def day_start(day: datetime.date) -> datetime.datetime:
    """Return the aware start of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def compare_q(
    target: Target,
    operator: str,
    value: Any,
    *,
    kind: str,
    context: Context,
    datetimes: bool = False,
    convert: Callable[[Any], Any] | None = None,
) -> Q:
    """Return the ``Q`` of one comparison; history builders use it for their expressions.

    ``kind`` decides text (case-insensitive) or exact comparisons; DATE values are days,
    compared against dates, or against day boundaries in the current time zone when
    ``datetimes`` is set. ``convert`` turns each final value into the stored form (an ISO
    string for dates kept as text). ``ne`` and the other negations include empty values.
    """
    conv = convert or (lambda v: v)
    text = kind == TEXT

    def empty() -> Q:
        q = lookup_q(target, "isnull", True)
        return q | lookup_q(target, "exact", "") if text else q

    if operator in NEGATED:
        return (
            ~compare_q(
                target,
                NEGATED[operator],
                value,
                kind=kind,
                context=context,
                datetimes=datetimes,
                convert=convert,
            )
            | empty()
        )
    if operator == "is_empty":
        return empty()
    if operator == "is_not_empty":
        return ~empty()
    if kind == DATE:
        return _date_q(target, operator, value, context, datetimes, conv)
    if operator == "eq":
        return lookup_q(target, "iexact" if text else "exact", conv(value))
    if operator == "contains":
        return lookup_q(target, "icontains", value)
    if operator == "starts_with":
        return lookup_q(target, "istartswith", value)
    if operator == "in":
        if text:
            q = Q(pk__in=[])
            for item in value:
                q |= lookup_q(target, "iexact", item)
            return q
        return lookup_q(target, "in", [conv(v) for v in value])
    if operator in ("gt", "gte", "lt", "lte"):
        return lookup_q(target, operator, conv(value))
    if operator == "between":
        low, high = value
        return lookup_q(target, "gte", conv(low)) & lookup_q(target, "lte", conv(high))
    raise ValueError(f"operator {operator!r} does not apply to {kind}")


def _date_q(
    target: Target,
    operator: str,
    value: Any,
    context: Context,
    datetimes: bool,
    conv: Callable[[Any], Any],
) -> Q:
    """Compare by day: as half-open ranges of instants when the target holds datetimes."""
    if operator in DAYS_OPERATORS:
        if datetimes:
            threshold: Any = context.now - datetime.timedelta(days=value)
        else:
            threshold = timezone.localdate(context.now) - datetime.timedelta(days=value)
        if operator == "in_last_days":
            return lookup_q(target, "gte", conv(threshold))
        return lookup_q(target, "lt", conv(threshold)) | lookup_q(target, "isnull", True)
    if operator == "between":
        low, high = value
        return _date_q(target, "gte", low, context, datetimes, conv) & _date_q(
            target, "lte", high, context, datetimes, conv
        )
    if not datetimes:
        lookup = "exact" if operator == "eq" else operator
        return lookup_q(target, lookup, conv(value))
    start, next_day = day_start(value), day_start(value + datetime.timedelta(days=1))
    if operator == "eq":
        return lookup_q(target, "gte", conv(start)) & lookup_q(target, "lt", conv(next_day))
    bound = {"gt": ("gte", next_day), "gte": ("gte", start), "lt": ("lt", start)}.get(
        operator, ("lt", next_day)
    )
    return lookup_q(target, bound[0], conv(bound[1]))
