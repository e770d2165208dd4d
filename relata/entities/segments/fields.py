"""What a segment condition can test: the fields, their operators, and the history registry.

Each :class:`SegmentField` knows its *kind* (which decides the operators and the type of
the value) and how to turn ``(operator, value)`` into a ``Q`` over :class:`Entity`. The
catalogue is built per call by :func:`segment_fields`, because custom fields are the
administrator's to add and remove.

History fields (counts and dates over related records) come from a registry:
:func:`register_history_field`. This app registers the number of contacts and the creation
date; the actions, cases and sales apps register theirs (number of actions in a period,
date of the last action, open cases, sales volume) without touching this module.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Expression,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
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

from relata.core.models import Team, User
from relata.customfields import selectors as field_selectors
from relata.customfields.models import FieldDefinition, FieldType
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    Sector,
    Source,
    Tag,
    Zone,
)

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


# --- Builders for the entity's own fields -----------------------------------------------


def column(path: str, kind: str, *, datetimes: bool = False) -> Builder:
    """Return the builder of a column of the entity (or a field path through a relation)."""

    def build(operator: str, value: Any, context: Context) -> Q:
        return compare_q(path, operator, value, kind=kind, context=context, datetimes=datetimes)

    return build


def _owner_builder(operator: str, value: Any, context: Context) -> Q:
    def me(item: Any) -> Any:
        if item == "me":
            return context.user.pk if context.user is not None else 0
        return item

    value = [me(v) for v in value] if isinstance(value, list) else me(value)
    return compare_q("owner_id", operator, value, kind=CHOICE, context=context)


def related(queryset: Callable[[], Any], path: str, kind: str) -> Builder:
    """Return the builder of a value held by related rows (the main address, the emails).

    An entity matches a positive operator when one of its rows does; a negation or
    ``is_empty`` when none does.
    """

    def build(operator: str, value: Any, context: Context) -> Q:
        rows = queryset()
        if operator in ("is_empty", "is_not_empty"):
            filled = rows.filter(compare_q(path, "is_not_empty", None, kind=kind, context=context))
            q = Q(pk__in=filled.values("entity_id"))
            return q if operator == "is_not_empty" else ~q
        positive = NEGATED.get(operator, operator)
        matching = rows.filter(compare_q(path, positive, value, kind=kind, context=context))
        q = Q(pk__in=matching.values("entity_id"))
        return ~q if operator in NEGATED else q

    return build


def _email_domain_builder(operator: str, value: Any, context: Context) -> Q:
    rows = EmailAddress.objects.all()
    if operator in ("is_empty", "is_not_empty"):
        q = Q(pk__in=rows.values("entity_id"))
        return q if operator == "is_not_empty" else ~q
    positive = NEGATED.get(operator, operator)
    domains = value if isinstance(value, list) else [value]
    match = Q(pk__in=[])
    for domain in domains:
        domain = str(domain).strip().lstrip("@").lower()
        if positive == "contains":
            match |= Q(email__icontains=domain) & Q(email__icontains="@")
        elif positive == "starts_with":
            match |= Q(email__icontains=f"@{domain}")
        else:
            match |= Q(email__iendswith=f"@{domain}")
    q = Q(pk__in=rows.filter(match).values("entity_id"))
    return ~q if operator in NEGATED else q


def _tags_builder(operator: str, value: Any, context: Context) -> Q:
    links = Entity.tags.through.objects.all()
    if operator in ("is_empty", "is_not_empty"):
        q = Q(pk__in=links.values("entity_id"))
        return q if operator == "is_not_empty" else ~q
    if operator == "all":
        q = Q()
        for tag in value:
            q &= Q(pk__in=links.filter(tag_id=tag).values("entity_id"))
        return q
    q = Q(pk__in=links.filter(tag_id__in=value).values("entity_id"))
    return ~q if operator == "not_in" else q


# --- Options of list fields -------------------------------------------------------------


def _model_options(model: Any, label: Callable[[Any], str] = str) -> Options:
    return lambda: [(obj.pk, label(obj)) for obj in model.objects.all()]


def _model_resolver(model: Any, *alternate_keys: str) -> Callable[[Any], Any]:
    """Return a resolver that accepts an id, or a value of one of ``alternate_keys``."""

    def resolve(raw: Any) -> int:
        if isinstance(raw, bool):
            raise LookupError(raw)
        if isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit()):
            pk = int(raw)
            if model.objects.filter(pk=pk).exists():
                return pk
        if isinstance(raw, str):
            for key in alternate_keys:
                found = model.objects.filter(**{key: raw.strip()}).values_list("pk", flat=True)
                for pk in found[:1]:
                    return int(pk)
        raise LookupError(raw)

    return resolve


def _owner_resolve(raw: Any) -> Any:
    if raw == "me":
        return "me"
    return _model_resolver(User, "username")(raw)


def _owner_options() -> list[tuple[Any, str]]:
    users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    return [("me", str(_("Me (whoever uses the segment)"))), *((u.pk, str(u)) for u in users)]


# --- Custom fields ----------------------------------------------------------------------

CUSTOM_KINDS = {
    FieldType.TEXT: TEXT,
    FieldType.LONG_TEXT: TEXT,
    FieldType.EMAIL: TEXT,
    FieldType.URL: TEXT,
    FieldType.PHONE: TEXT,
    FieldType.INTEGER: INTEGER,
    FieldType.DECIMAL: DECIMAL,
    FieldType.MONEY: DECIMAL,
    FieldType.DATE: DATE,
    FieldType.DATETIME: DATE,
    FieldType.BOOLEAN: BOOLEAN,
    FieldType.CHOICE: CHOICE,
    FieldType.MULTIPLE_CHOICE: MULTI,
}
_NUMBER = DecimalField(max_digits=40, decimal_places=10)


def _utc_text(instant: Any) -> str:
    """Return an instant as custom datetime values are stored (ISO 8601, UTC, seconds)."""
    return instant.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def _iso_date(day: Any) -> str:
    return day.isoformat()


def _custom_builder(definition: FieldDefinition) -> Builder:
    key = definition.key
    path = f"custom__{key}"
    field_type = definition.field_type
    kind = CUSTOM_KINDS[FieldType(field_type)]

    def present(operator: str) -> Q | None:
        if operator == "is_empty":
            return Q(**{f"{path}__isnull": True})
        if operator == "is_not_empty":
            return Q(**{f"{path}__isnull": False})
        return None

    def build(operator: str, value: Any, context: Context) -> Q:
        empty_q = present(operator)
        if empty_q is not None:
            return empty_q
        missing = Q(**{f"{path}__isnull": True})
        if operator in NEGATED and kind != MULTI:
            return ~build(NEGATED[operator], value, context) | missing
        target: Target
        if kind == MULTI:
            # Stored as a JSON list: look for the quoted value in its text.
            def has(item: str) -> Q:
                return Q(**{f"{path}__icontains": json.dumps(item, ensure_ascii=False)})

            if operator == "all":
                q = Q()
                for item in value:
                    q &= has(item)
                return q
            anyone = Q(pk__in=[])
            for item in value:
                anyone |= has(item)
            return anyone if operator == "in" else ~anyone | missing
        if field_type == FieldType.MONEY:
            target = Cast(KT(f"{path}__amount"), _NUMBER)
        elif field_type == FieldType.DECIMAL:
            target = Cast(KT(path), _NUMBER)
        elif field_type in (FieldType.DATE, FieldType.DATETIME):
            target = KT(path)
        else:
            target = path
        if field_type == FieldType.DATETIME:
            return compare_q(
                target,
                operator,
                value,
                kind=kind,
                context=context,
                datetimes=True,
                convert=_utc_text,
            )
        if field_type == FieldType.DATE:
            return compare_q(target, operator, value, kind=kind, context=context, convert=_iso_date)
        return compare_q(target, operator, value, kind=kind, context=context)

    return build


def _custom_field(definition: FieldDefinition) -> SegmentField:
    kind = CUSTOM_KINDS[FieldType(definition.field_type)]
    options: Options | None = None
    resolve: Callable[[Any], Any] | None = None
    if definition.is_choice:
        choices = definition.choice_options

        def options() -> list[tuple[Any, str]]:
            return list(choices)

        values = {value for value, _label in choices}

        def resolve(raw: Any) -> Any:
            if isinstance(raw, str) and raw in values:
                return raw
            raise LookupError(raw)

    return SegmentField(
        name=f"custom.{definition.key}",
        label=definition.label,
        group=_("Custom fields"),
        kind=kind,
        build=_custom_builder(definition),
        options=options,
        resolve=resolve,
        help_text=_("Money fields compare the amount.")
        if definition.field_type == FieldType.MONEY
        else "",
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
) -> HistoryField:
    """Offer a condition on an entity's history, as ``history.<name>`` in definitions.

    ``q_builder`` receives a :class:`HistoryCondition` and returns a ``Q`` over
    :class:`Entity`; for a count or a date, build the expression (a correlated subquery
    wrapped in ``Coalesce``) and call ``condition.compare(expression, kind=...)``. ``kind``
    is INTEGER, DECIMAL or DATE and decides the operators (or give ``operators``). With
    ``period``, a condition may carry ``"period": {"last_days": N}`` or
    ``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``, given to the builder as ``start``/``end``.
    Registering a name again replaces it (modules may be reloaded in development).
    """
    key = name.removeprefix("history.")
    if kind not in (INTEGER, DECIMAL, DATE):
        raise ValueError(f"history fields are INTEGER, DECIMAL or DATE, not {kind!r}")
    history_field = HistoryField(
        name=f"history.{key}",
        label=label,
        q_builder=q_builder,
        kind=kind,
        operators=tuple(operators),
        period=period,
        help_text=help_text,
    )
    _history_fields[history_field.name] = history_field
    return history_field


def history_fields() -> list[HistoryField]:
    return list(_history_fields.values())


def _history_segment_field(item: HistoryField) -> SegmentField:
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


# --- The catalogue ----------------------------------------------------------------------


def _classification_field(name: str, label: Promise, model: Any) -> SegmentField:
    return SegmentField(
        name=name,
        label=label,
        group=_("Classification"),
        kind=CHOICE,
        build=column(f"{name}_id", CHOICE),
        options=_model_options(model),
        resolve=_model_resolver(model, "code"),
    )


def _address_field(name: str, label: Promise) -> SegmentField:
    return SegmentField(
        name=f"address.{name}",
        label=label,
        group=_("Main address"),
        kind=TEXT,
        build=related(lambda: Address.objects.filter(is_main=True), name, TEXT),
    )


def segment_fields() -> dict[str, SegmentField]:
    """Return every field a condition can test, by name, in the builder's order."""
    classification = _("Classification")
    text = _("Names and identifiers")
    dates = _("Dates")
    fields = [
        _classification_field("kind", _("Kind"), EntityKind),
        _classification_field("source", _("Source"), Source),
        _classification_field("sector", _("Sector"), Sector),
        _classification_field("zone", _("Zone"), Zone),
        SegmentField(
            "owner",
            _("Assigned to"),
            classification,
            CHOICE,
            _owner_builder,
            options=_owner_options,
            resolve=_owner_resolve,
        ),
        SegmentField(
            "team",
            _("Team"),
            classification,
            CHOICE,
            column("team_id", CHOICE),
            options=_model_options(Team),
            resolve=_model_resolver(Team, "name"),
        ),
        SegmentField(
            "tags",
            _("Tags"),
            classification,
            MULTI,
            _tags_builder,
            options=_model_options(Tag),
            resolve=_model_resolver(Tag, "name"),
        ),
        SegmentField(
            "is_active", _("Active"), classification, BOOLEAN, column("is_active", BOOLEAN)
        ),
        SegmentField(
            "is_company", _("Company"), classification, BOOLEAN, column("is_company", BOOLEAN)
        ),
        SegmentField("legal_name", _("Legal name"), text, TEXT, column("legal_name", TEXT)),
        SegmentField("trade_name", _("Trade name"), text, TEXT, column("trade_name", TEXT)),
        SegmentField("tax_id", _("Tax id"), text, TEXT, column("tax_id", TEXT)),
        SegmentField("website", _("Website"), text, TEXT, column("website", TEXT)),
        SegmentField(
            "email_domain",
            _("Email domain"),
            text,
            TEXT,
            _email_domain_builder,
            operators=("eq", "ne", "in", "not_in", "contains", "is_empty", "is_not_empty"),
            help_text=_("The part after @ of any email of the entity or its contacts."),
        ),
        _address_field("city", _("City")),
        _address_field("province", _("Province")),
        _address_field("postal_code", _("Postal code")),
        _address_field("country", _("Country code")),
        SegmentField(
            "created_at", _("Created on"), dates, DATE, column("created_at", DATE, datetimes=True)
        ),
        SegmentField(
            "updated_at", _("Updated on"), dates, DATE, column("updated_at", DATE, datetimes=True)
        ),
    ]
    fields += [_custom_field(d) for d in field_selectors.field_definitions(target="entity")]
    fields += [_history_segment_field(h) for h in history_fields()]
    return {f.name: f for f in fields}


def history_field(name: str) -> HistoryField | None:
    return _history_fields.get(name)
