"""What a segment condition can test: the catalogue of fields and their builders.

Each :class:`SegmentField` knows its *kind* (which decides the operators and the type of
the value, see :mod:`.operators`) and how to turn ``(operator, value)`` into a ``Q`` over
:class:`Entity`. The catalogue is built per call by :func:`segment_fields`, because custom
fields are the administrator's to add and remove; history fields come from the registry
in :mod:`.history`.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.db.models import DecimalField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relata.core.models import Team, User
from relata.customfields import selectors as field_selectors
from relata.customfields.models import FieldDefinition, FieldType
from relata.entities.models import (
    Address,
    EmailAddress,
    Entity,
    EntityKind,
    Sector,
    Source,
    Tag,
    Zone,
)
from relata.entities.segments.history import (
    HistoryCondition,
    HistoryField,
    history_field,
    history_fields,
    history_segment_field,
    register_history_field,
)
from relata.entities.segments.operators import (
    BOOLEAN,
    CHOICE,
    DATE,
    DAYS_OPERATORS,
    DECIMAL,
    EMPTY_OPERATORS,
    INTEGER,
    KINDS,
    LIST_OPERATORS,
    MULTI,
    NEGATED,
    OPERATOR_LABELS,
    OPERATORS,
    TEXT,
    Builder,
    Context,
    Options,
    SegmentField,
    Target,
    compare_q,
    day_start,
    lookup_q,
    operator_label,
)

# Kept importable from here: the rest of the package and other apps use these names.
__all__ = [
    "BOOLEAN",
    "CHOICE",
    "DATE",
    "DAYS_OPERATORS",
    "DECIMAL",
    "EMPTY_OPERATORS",
    "INTEGER",
    "KINDS",
    "LIST_OPERATORS",
    "MULTI",
    "OPERATORS",
    "OPERATOR_LABELS",
    "TEXT",
    "Context",
    "HistoryCondition",
    "HistoryField",
    "SegmentField",
    "compare_q",
    "day_start",
    "history_field",
    "history_fields",
    "lookup_q",
    "operator_label",
    "register_history_field",
    "segment_fields",
]

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
    fields += [history_segment_field(h) for h in history_fields()]
    return {f.name: f for f in fields}
