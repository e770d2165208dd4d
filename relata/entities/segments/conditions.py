"""Condition trees: check them, store them in a canonical form, turn them into a ``Q``.

A definition is a group::

    {"op": "and" | "or", "conditions": [condition or group, ...]}

and a condition is::

    {"field": "kind", "operator": "in", "value": [1, 3]}
    {"field": "history.contacts", "operator": "gte", "value": 2,
     "period": {"last_days": 90}}          # only on history fields that take a period

An empty group matches every entity. Values are written as JSON: ids or codes for lists
(kinds, sources, sectors, zones, teams; usernames or ``"me"`` for the owner; tag names),
``"YYYY-MM-DD"`` for dates, numbers as numbers or strings. :func:`definition_clean` checks
a definition and returns it canonical (ids, typed values) or raises a ``ValidationError``
whose messages name the condition ("Condition 2.1 (City): …").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relata.core.models import User
from relata.entities.segments.fields import (
    BOOLEAN,
    CHOICE,
    DATE,
    DAYS_OPERATORS,
    DECIMAL,
    EMPTY_OPERATORS,
    INTEGER,
    LIST_OPERATORS,
    MULTI,
    TEXT,
    Context,
    HistoryCondition,
    SegmentField,
    day_start,
    history_field,
    operator_label,
    segment_fields,
)

MAX_DEPTH = 5
MAX_CONDITIONS = 100
MAX_LIST = 500
MAX_DAYS = 36_500
TEXT_MAX_LENGTH = 255
EMPTY_DEFINITION: dict[str, Any] = {"op": "and", "conditions": []}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass
class Condition:
    field: SegmentField
    operator: str
    value: Any
    period: dict[str, Any] | None = None


@dataclass
class Group:
    op: str
    children: list[Condition | Group] = field(default_factory=list)


class _Invalid(Exception):
    """A value that cannot be used; the message says why."""


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


# --- Values ---------------------------------------------------------------------------


def _text(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise _Invalid(_("enter a text"))
    text = str(raw).strip()
    if not text:
        raise _Invalid(_("enter a text"))
    if len(text) > TEXT_MAX_LENGTH:
        raise _Invalid(_("use at most %(max)d characters") % {"max": TEXT_MAX_LENGTH})
    return text


def _integer(raw: Any) -> int:
    message = _("enter a whole number")
    if isinstance(raw, bool):
        raise _Invalid(message)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float | Decimal):
        if raw != int(raw):
            raise _Invalid(message)
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
        return int(raw.strip())
    raise _Invalid(message)


def _decimal(raw: Any) -> Decimal:
    message = _("enter a number")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise _Invalid(message)
    try:
        number = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation as error:
        raise _Invalid(message) from error
    if not number.is_finite():
        raise _Invalid(message)
    return number


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise _Invalid(_("enter true or false"))


def _date(raw: Any) -> datetime.date:
    message = _("enter a date as YYYY-MM-DD")
    if isinstance(raw, datetime.datetime):
        return timezone.localdate(raw) if timezone.is_aware(raw) else raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if not isinstance(raw, str) or not _DATE_RE.match(raw.strip()):
        raise _Invalid(message)
    try:
        return datetime.date.fromisoformat(raw.strip())
    except ValueError as error:
        raise _Invalid(message) from error


def _days(raw: Any) -> int:
    try:
        days = _integer(raw)
    except _Invalid:
        days = -1
    if not 0 <= days <= MAX_DAYS:
        raise _Invalid(_("enter a number of days from 0 to %(max)d") % {"max": MAX_DAYS})
    return days


def _scalar(segment_field: SegmentField, raw: Any, strict: bool) -> Any:
    kind = segment_field.kind
    if kind in (CHOICE, MULTI):
        if segment_field.resolve is None:
            return _text(raw)
        try:
            return segment_field.resolve(raw)
        except LookupError:
            # A stored segment keeps working when a listed value is removed: it matches
            # nothing. A definition being saved must name existing values.
            if not strict and isinstance(raw, int | str) and not isinstance(raw, bool):
                return raw
            raise _Invalid(_("“%(value)s” is not one of the choices") % {"value": raw}) from None
    if kind == TEXT:
        return _text(raw)
    if kind == BOOLEAN:
        return _boolean(raw)
    if kind == INTEGER:
        return _integer(raw)
    if kind == DECIMAL:
        return _decimal(raw)
    if kind == DATE:
        return _date(raw)
    raise _Invalid(_("this field cannot be compared"))


def _value(segment_field: SegmentField, operator: str, raw: Any, strict: bool) -> Any:
    if operator in EMPTY_OPERATORS:
        return None
    if raw is None or raw == "" or raw == []:
        raise _Invalid(_("enter a value"))
    if operator in DAYS_OPERATORS:
        return _days(raw)
    if operator in LIST_OPERATORS:
        if not isinstance(raw, list | tuple):
            raise _Invalid(_("give a list of values"))
        if len(raw) > MAX_LIST:
            raise _Invalid(_("give at most %(max)d values") % {"max": MAX_LIST})
        values: list[Any] = []
        for item in raw:
            value = _scalar(segment_field, item, strict)
            if value not in values:
                values.append(value)
        return values
    if operator == "between":
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            raise _Invalid(_("give two values, the lowest first"))
        low, high = (_scalar(segment_field, item, strict) for item in raw)
        if low > high:
            raise _Invalid(_("the first value must not be greater than the second"))
        return [low, high]
    if isinstance(raw, list | tuple | dict):
        raise _Invalid(_("give one value, not a list"))
    return _scalar(segment_field, raw, strict)


def _period(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw:
        raise _Invalid(_("give the period as last_days, or from and/or to"))
    unknown = set(raw) - {"last_days", "from", "to"}
    if unknown or ("last_days" in raw and len(raw) > 1):
        raise _Invalid(_("give the period as last_days, or from and/or to"))
    if "last_days" in raw:
        return {"last_days": _days(raw["last_days"])}
    period = {key: _date(raw[key]).isoformat() for key in ("from", "to") if raw.get(key)}
    if not period:
        raise _Invalid(_("give the period as last_days, or from and/or to"))
    if "from" in period and "to" in period and period["from"] > period["to"]:
        raise _Invalid(_("the period must end after it starts"))
    return period


def _json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- Parsing ----------------------------------------------------------------------------


class _Parser:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.fields = segment_fields()
        self.errors: list[str] = []
        self.count = 0

    def error(self, where: str, message: str) -> None:
        self.errors.append(
            f"{where}: {message}." if where else f"{message[:1].upper()}{message[1:]}."
        )

    def group(self, raw: Any, path: str, depth: int) -> Group:
        where = _("Group %(path)s") % {"path": path} if path else ""
        if raw in (None, {}):
            return Group("and")
        if not isinstance(raw, dict):
            self.error(where, _("a group must be an object with “op” and “conditions”"))
            return Group("and")
        op = raw.get("op", "and")
        if op not in ("and", "or"):
            self.error(where, _("“op” must be “and” or “or”, not “%(op)s”") % {"op": op})
            op = "and"
        items = raw.get("conditions", [])
        if not isinstance(items, list):
            self.error(where, _("“conditions” must be a list"))
            return Group(op)
        if depth > MAX_DEPTH:
            self.error(where, _("groups nest at most %(max)d deep") % {"max": MAX_DEPTH})
            return Group(op)
        group = Group(op)
        for index, item in enumerate(items, start=1):
            child_path = f"{path}.{index}" if path else str(index)
            if isinstance(item, dict) and ("conditions" in item or "op" in item):
                group.children.append(self.group(item, child_path, depth + 1))
            else:
                condition = self.condition(item, child_path)
                if condition is not None:
                    group.children.append(condition)
        return group

    def condition(self, raw: Any, path: str) -> Condition | None:
        where = _("Condition %(path)s") % {"path": path}
        self.count += 1
        if self.count == MAX_CONDITIONS + 1:
            self.error(where, _("use at most %(max)d conditions") % {"max": MAX_CONDITIONS})
        if self.count > MAX_CONDITIONS:
            return None
        if not isinstance(raw, dict):
            self.error(
                where, _("a condition must be an object with “field”, “operator” and “value”")
            )
            return None
        name = raw.get("field")
        if not name or not isinstance(name, str):
            self.error(where, _("choose a field"))
            return None
        segment_field = self.fields.get(name)
        if segment_field is None:
            self.error(where, _("unknown field “%(field)s”") % {"field": name})
            return None
        where = f"{where} ({segment_field.label})"
        operator = raw.get("operator")
        allowed = segment_field.allowed_operators()
        if operator not in allowed:
            names = ", ".join(f"{op} ({operator_label(segment_field.kind, op)})" for op in allowed)
            if not operator:
                self.error(where, _("choose an operator: %(allowed)s") % {"allowed": names})
            else:
                self.error(
                    where,
                    _("the operator “%(operator)s” does not apply; use one of: %(allowed)s")
                    % {"operator": operator, "allowed": names},
                )
            return None
        try:
            value = _value(segment_field, operator, raw.get("value"), self.strict)
        except _Invalid as error:
            self.error(where, str(error))
            return None
        period = None
        if raw.get("period") not in (None, {}):
            if not segment_field.period:
                self.error(where, _("this field takes no period"))
                return None
            try:
                period = _period(raw["period"])
            except _Invalid as error:
                self.error(where, str(error))
                return None
        return Condition(segment_field, operator, value, period)


def _parse(definition: Any, *, strict: bool) -> Group:
    parser = _Parser(strict)
    if definition not in (None, {}) and not isinstance(definition, dict):
        raise ValidationError(
            {"definition": [_("The conditions must be a group: {“op”: …, “conditions”: […]}.")]}
        )
    group = parser.group(definition, "", 1)
    if parser.errors:
        raise ValidationError({"definition": parser.errors})
    return group


def _serialise(node: Condition | Group) -> dict[str, Any]:
    if isinstance(node, Group):
        return {"op": node.op, "conditions": [_serialise(child) for child in node.children]}
    data: dict[str, Any] = {"field": node.field.name, "operator": node.operator}
    if node.value is not None:
        data["value"] = _json_value(node.value)
    if node.period:
        data["period"] = node.period
    return data


def definition_clean(definition: Any, *, strict: bool = True) -> dict[str, Any]:
    """Return ``definition`` checked and canonical, or raise ``ValidationError``.

    The error is ``{"definition": [messages]}``, one message per problem found.
    """
    return _serialise(_parse(definition, strict=strict))


# --- Evaluation -------------------------------------------------------------------------


def _period_bounds(
    period: dict[str, Any] | None, now: datetime.datetime
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    if not period:
        return None, None
    if "last_days" in period:
        return now - datetime.timedelta(days=period["last_days"]), None
    start = day_start(_date(period["from"])) if period.get("from") else None
    end = day_start(_date(period["to"]) + datetime.timedelta(days=1)) if period.get("to") else None
    return start, end


def _q(node: Condition | Group, context: Context) -> Q:
    if isinstance(node, Condition):
        history = history_field(node.field.name)
        if history is not None:
            start, end = _period_bounds(node.period, context.now)
            return history.q_builder(
                HistoryCondition(node.operator, node.value, context, start, end)
            )
        return node.field.build(node.operator, node.value, context)
    parts = [_q(child, context) for child in node.children]
    if node.op == "or":
        # An empty group inside matches everything, and so does the whole OR then.
        if not parts or any(not part for part in parts):
            return Q()
        combined = parts[0]
        for part in parts[1:]:
            combined |= part
        return combined
    combined = Q()
    for part in parts:
        combined &= part
    return combined


def definition_q(
    definition: Any, *, user: User | None = None, now: datetime.datetime | None = None
) -> Q:
    """Return the filter over :class:`Entity` that ``definition`` describes.

    ``user`` is who evaluates it (the owner "me"); raises ``ValidationError`` when the
    definition no longer fits (a custom field was removed). A list value removed since the
    segment was saved matches nothing instead.
    """
    context = Context(user=user, now=now or timezone.now())
    return _q(_parse(definition, strict=False), context)


# --- Description ------------------------------------------------------------------------


def _display_value(node: Condition, labels: dict[Any, str]) -> str:
    def one(value: Any) -> str:
        if node.field.kind in (CHOICE, MULTI):
            return labels.get(value, str(value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, datetime.date):
            return formats.date_format(value, "SHORT_DATE_FORMAT")
        if isinstance(value, Decimal):
            return _decimal_text(value)
        return f"“{value}”" if node.field.kind == TEXT else str(value)

    if node.operator in DAYS_OPERATORS:
        return ""
    if node.operator == "between":
        return _("%(low)s and %(high)s") % {"low": one(node.value[0]), "high": one(node.value[1])}
    if isinstance(node.value, list):
        return ", ".join(one(v) for v in node.value)
    return one(node.value)


def _describe(node: Condition | Group, top: bool, labels: dict[str, dict[Any, str]]) -> str:
    if isinstance(node, Group):
        if not node.children:
            return _("every entity")
        joiner = f" {_('and') if node.op == 'and' else _('or')} "
        text = joiner.join(_describe(child, False, labels) for child in node.children)
        return text if top or len(node.children) == 1 else f"({text})"
    operator = operator_label(node.field.kind, node.operator)
    if node.operator in DAYS_OPERATORS:
        operator = operator.replace("…", str(node.value))
    parts = [str(node.field.label), operator]
    value = _display_value(node, labels.get(node.field.name, {}))
    if value:
        parts.append(value)
    if node.period:
        if "last_days" in node.period:
            parts.append(_("(in the last %(days)d days)") % {"days": node.period["last_days"]})
        else:
            parts.append(
                _("(from %(start)s to %(end)s)")
                % {"start": node.period.get("from", "…"), "end": node.period.get("to", "…")}
            )
    return " ".join(parts)


def _conditions(node: Condition | Group) -> Iterator[Condition]:
    if isinstance(node, Condition):
        yield node
    else:
        for child in node.children:
            yield from _conditions(child)


def definition_describe(definition: Any) -> str:
    """Return the definition in words: "Kind is Customer and (City is “Bilbao” or …)"."""
    try:
        group = _parse(definition, strict=False)
    except ValidationError as error:
        return " ".join(error.messages)
    labels: dict[str, dict[Any, str]] = {}
    for condition in _conditions(group):
        options = condition.field.options
        if options is not None and condition.field.name not in labels:
            labels[condition.field.name] = dict(options())
    return _describe(group, True, labels)
