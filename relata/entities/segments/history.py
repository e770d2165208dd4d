"""History fields: conditions on what happened around an entity (counts and dates over
related records), offered through a registry.

This app registers the number of contacts and the creation date; the actions, cases and
sales apps register theirs (number of actions in a period, date of the last action, open
cases, sales volume) with :func:`register_history_field`, without touching this package.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relata.entities.models import Contact
from relata.entities.segments.operators import (
    CHOICE,
    DATE,
    DECIMAL,
    INTEGER,
    MULTI,
    Context,
    Options,
    SegmentField,
    Target,
    compare_q,
)

# --- History fields: the registry ------------------------------------------------------


@dataclass(frozen=True)
class HistoryCondition:
    """What a history builder receives: the checked operator and value, the period
    (``start`` inclusive, ``end`` exclusive, either open) when the field takes one, and who
    evaluates it and when."""

    operator: str
    value: Any
    context: Context
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    def compare(self, expression: Target, *, kind: str, datetimes: bool = False) -> Q:
        """Return this condition applied to ``expression`` (see :func:`compare_q`)."""
        return compare_q(
            expression,
            self.operator,
            self.value,
            kind=kind,
            context=self.context,
            datetimes=datetimes,
        )


HistoryBuilder = Callable[[HistoryCondition], Q]


@dataclass(frozen=True)
class HistoryField:
    name: str
    label: str | Promise
    q_builder: HistoryBuilder
    kind: str = INTEGER
    operators: tuple[str, ...] = ()
    period: bool = False
    help_text: str | Promise = ""
    options: Options | None = None
    resolve: Callable[[Any], Any] | None = None


_history_fields: dict[str, HistoryField] = {}


def register_history_field(
    name: str,
    label: str | Promise,
    q_builder: HistoryBuilder,
    *,
    kind: str = INTEGER,
    operators: Sequence[str] = (),
    period: bool = False,
    help_text: str | Promise = "",
    options: Options | None = None,
    resolve: Callable[[Any], Any] | None = None,
) -> HistoryField:
    """Offer a condition on an entity's history, as ``history.<name>`` in definitions.

    ``q_builder`` receives a :class:`HistoryCondition` and returns a ``Q`` over
    :class:`Entity`; for a count or a date, build the expression (a correlated subquery
    wrapped in ``Coalesce``) and call ``condition.compare(expression, kind=...)``. ``kind``
    is INTEGER, DECIMAL or DATE and decides the operators (or give ``operators``). With
    ``period``, a condition may carry ``"period": {"last_days": N}`` or
    ``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``, given to the builder as ``start``/``end``.
    A CHOICE or MULTI field (what an entity's records refer to, such as the product
    families it bought) gives ``options`` and ``resolve`` as a :class:`SegmentField` does;
    its builder receives the resolved values. Registering a name again replaces it
    (modules may be reloaded in development).
    """
    key = name.removeprefix("history.")
    if kind not in (INTEGER, DECIMAL, DATE, CHOICE, MULTI):
        raise ValueError(
            f"history fields are INTEGER, DECIMAL, DATE, CHOICE or MULTI, not {kind!r}"
        )
    if kind in (CHOICE, MULTI) and (options is None or resolve is None):
        raise ValueError("a CHOICE or MULTI history field needs options and resolve")
    history_field = HistoryField(
        name=f"history.{key}",
        label=label,
        q_builder=q_builder,
        kind=kind,
        operators=tuple(operators),
        period=period,
        help_text=help_text,
        options=options,
        resolve=resolve,
    )
    _history_fields[history_field.name] = history_field
    return history_field


def history_fields() -> list[HistoryField]:
    return list(_history_fields.values())


def history_segment_field(item: HistoryField) -> SegmentField:
    def build(operator: str, value: Any, context: Context) -> Q:
        return item.q_builder(HistoryCondition(operator, value, context))

    return SegmentField(
        name=item.name,
        label=item.label,
        group=_("History"),
        kind=item.kind,
        build=build,
        operators=item.operators,
        help_text=item.help_text,
        period=item.period,
        options=item.options,
        resolve=item.resolve,
    )


def _contacts_count(condition: HistoryCondition) -> Q:
    contacts = Contact.objects.filter(entity=OuterRef("pk"))
    if condition.start is not None:
        contacts = contacts.filter(created_at__gte=condition.start)
    if condition.end is not None:
        contacts = contacts.filter(created_at__lt=condition.end)
    count = Coalesce(
        Subquery(contacts.order_by().values("entity").annotate(n=Count("pk")).values("n")[:1]),
        0,
    )
    return condition.compare(count, kind=INTEGER)


def _created(condition: HistoryCondition) -> Q:
    return condition.compare(F("created_at"), kind=DATE, datetimes=True)


register_history_field(
    "contacts",
    _("Number of contacts"),
    _contacts_count,
    period=True,
    help_text=_("With a period, the contacts added in it."),
)
register_history_field(
    "created",
    _("Created"),
    _created,
    kind=DATE,
    help_text=_("“In the last … days” finds the entities created in the last N days."),
)


def history_field(name: str) -> HistoryField | None:
    return _history_fields.get(name)
