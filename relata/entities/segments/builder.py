"""The builder page's form: a condition tree written as flat inputs, and back.

Each node has a path: ``r`` is the top group, ``r.0`` its first item, ``r.1.2`` the third
item of the second. A group writes ``g-<path>-op``; a condition writes ``c-<path>-field``,
``-operator``, ``-value`` (repeated for lists), ``-value2`` (the top of a range),
``-was`` (the field it had, to reset the rest when the field changes) and, on history
fields that take one, ``-period`` with ``-period_days``/``-period_from``/``-period_to``.
Every change posts the whole form; the server rebuilds the tree, applies the button's
action (``add:<path>``, ``group:<path>``, ``remove:<path>``) and renders it again. No state
lives in the browser, and the page works without JavaScript.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from relata.core import permissions
from relata.core.models import Team, User
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
    SegmentField,
    operator_label,
)

ROOT = "r"
_KEY = re.compile(r"^([gc])-(r(?:\.\d{1,3}){0,6})-(\w+)$")
MAX_NODES = 150


def new_condition() -> dict[str, Any]:
    return {"field": "", "operator": "", "value": None}


def starting_definition() -> dict[str, Any]:
    return {"op": "and", "conditions": [new_condition()]}


def _index(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in path.split(".")[1:])


def _form_value(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key, "")
    return value if isinstance(value, str) else ""


def _form_list(raw: Any, key: str) -> list[str]:
    getlist = getattr(raw, "getlist", None)
    values = getlist(key) if getlist else ([raw[key]] if key in raw else [])
    return [v for v in values if isinstance(v, str)]


def _widget(segment_field: SegmentField | None, operator: str) -> str:
    if segment_field is None or not operator:
        return "none"
    kind = segment_field.kind
    if operator in EMPTY_OPERATORS:
        return "none"
    if operator in DAYS_OPERATORS:
        return "days"
    if kind in (CHOICE, MULTI) and segment_field.options is not None:
        return "multiselect" if operator in LIST_OPERATORS else "select"
    if kind == BOOLEAN:
        return "boolean"
    if operator in LIST_OPERATORS:
        return "textlist"
    if kind in (INTEGER, DECIMAL):
        return "between-number" if operator == "between" else "number"
    if kind == DATE:
        return "between-date" if operator == "between" else "date"
    return "text"


def _condition_from_form(raw: Any, path: str, fields: Mapping[str, SegmentField]) -> dict[str, Any]:
    prefix = f"c-{path}-"
    name = _form_value(raw, f"{prefix}field")
    operator = _form_value(raw, f"{prefix}operator")
    segment_field = fields.get(name)
    if segment_field is None:
        return {"field": name, "operator": "", "value": None}
    allowed = segment_field.allowed_operators()
    changed = _form_value(raw, f"{prefix}was") != name
    if changed or operator not in allowed:
        # A new field starts afresh: its first operator and no value.
        return {"field": name, "operator": allowed[0], "value": None}
    condition: dict[str, Any] = {"field": name, "operator": operator}
    widget = _widget(segment_field, operator)
    values = [v.strip() for v in _form_list(raw, f"{prefix}value")]
    if widget == "none":
        pass
    elif widget == "multiselect":
        condition["value"] = [v for v in values if v]
    elif widget == "textlist":
        text = values[0] if values else ""
        condition["value"] = [v.strip() for v in re.split(r"[,\n;]", text) if v.strip()]
    elif widget.startswith("between"):
        condition["value"] = [values[0] if values else "", _form_value(raw, f"{prefix}value2")]
    else:
        condition["value"] = values[0] if values else ""
    if segment_field.period:
        mode = _form_value(raw, f"{prefix}period")
        if mode == "last_days":
            condition["period"] = {"last_days": _form_value(raw, f"{prefix}period_days")}
        elif mode == "range":
            condition["period"] = {
                key: _form_value(raw, f"{prefix}period_{key}")
                for key in ("from", "to")
                if _form_value(raw, f"{prefix}period_{key}")
            } or {"from": ""}
    return condition


def definition_from_form(raw: Any, fields: Mapping[str, SegmentField]) -> dict[str, Any]:
    """Return the tree the inputs describe, as typed (values checked later)."""
    kinds: dict[str, str] = {ROOT: "g"}
    for key in list(raw.keys())[: MAX_NODES * 12]:
        match = _KEY.match(key)
        if match:
            kinds.setdefault(match.group(2), match.group(1))
    nodes: dict[str, dict[str, Any]] = {}
    for path in sorted(kinds, key=_index):
        if kinds[path] == "g":
            op = _form_value(raw, f"g-{path}-op")
            nodes[path] = {"op": op if op in ("and", "or") else "and", "conditions": []}
        else:
            nodes[path] = _condition_from_form(raw, path, fields)
        if path != ROOT:
            parent = nodes.get(path.rsplit(".", 1)[0])
            if parent is not None and "conditions" in parent:
                parent["conditions"].append(nodes[path])
    return nodes[ROOT]


def apply_action(definition: dict[str, Any], action: str) -> dict[str, Any]:
    """Return the tree after a button: ``add:<path>``, ``group:<path>`` or ``remove:<path>``."""
    verb, _sep, path = action.partition(":")
    if not re.fullmatch(r"r(\.\d{1,3}){0,6}", path):
        return definition
    tree = copy.deepcopy(definition)
    indexes = _index(path)
    if verb == "remove":
        if not indexes:
            return tree
        parent = _node(tree, indexes[:-1])
        if parent is not None and indexes[-1] < len(parent.get("conditions", [])):
            del parent["conditions"][indexes[-1]]
        return tree
    target = _node(tree, indexes)
    if target is None or "conditions" not in target:
        return tree
    if verb == "add":
        target["conditions"].append(new_condition())
    elif verb == "group":
        target["conditions"].append({"op": "and", "conditions": [new_condition()]})
    return tree


def _node(tree: dict[str, Any], indexes: tuple[int, ...]) -> dict[str, Any] | None:
    node: Any = tree
    for index in indexes:
        children = node.get("conditions") if isinstance(node, dict) else None
        if not isinstance(children, list) or index >= len(children):
            return None
        node = children[index]
    return node if isinstance(node, dict) else None


def prune(definition: dict[str, Any]) -> dict[str, Any]:
    """Return the tree without conditions that have no field yet (rows being written)."""

    def walk(node: dict[str, Any]) -> dict[str, Any] | None:
        if "conditions" in node:
            kept = [c for c in (walk(child) for child in node["conditions"]) if c is not None]
            return {"op": node.get("op", "and"), "conditions": kept}
        return node if node.get("field") else None

    return walk(definition) or {"op": "and", "conditions": []}


# --- What the template draws -------------------------------------------------------------


@dataclass
class NodeView:
    path: str
    depth: int
    is_group: bool
    op: str = "and"
    children: list[NodeView] = field(default_factory=list)
    field_name: str = ""
    operator: str = ""
    operators: list[tuple[str, str]] = field(default_factory=list)
    widget: str = "none"
    values: list[str] = field(default_factory=list)
    value2: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    help_text: str = ""
    has_period: bool = False
    period: str = ""
    period_days: str = ""
    period_from: str = ""
    period_to: str = ""

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def text_list(self) -> str:
        return ", ".join(self.values)

    @property
    def number(self) -> int:
        return int(self.path.rsplit(".", 1)[-1]) + 1 if "." in self.path else 0


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def node_views(
    definition: dict[str, Any], fields: Mapping[str, SegmentField], path: str = ROOT, depth: int = 0
) -> NodeView:
    """Return the tree as the template draws it."""
    if "conditions" in definition:
        children = definition.get("conditions") or []
        return NodeView(
            path=path,
            depth=depth,
            is_group=True,
            op=definition.get("op", "and"),
            children=[
                node_views(child, fields, f"{path}.{index}", depth + 1)
                for index, child in enumerate(children)
                if isinstance(child, dict)
            ],
        )
    name = str(definition.get("field") or "")
    segment_field = fields.get(name)
    view = NodeView(path=path, depth=depth, is_group=False, field_name=name)
    if segment_field is None:
        return view
    view.operator = str(definition.get("operator") or "")
    view.operators = [
        (op, operator_label(segment_field.kind, op)) for op in segment_field.allowed_operators()
    ]
    view.widget = _widget(segment_field, view.operator)
    value = definition.get("value")
    if view.widget.startswith("between") and isinstance(value, list) and len(value) == 2:
        view.values, view.value2 = [_text(value[0])], _text(value[1])
    elif isinstance(value, list):
        view.values = [_text(v) for v in value]
    elif value is not None:
        view.values = [_text(value)]
    if view.widget in ("select", "multiselect") and segment_field.options is not None:
        view.options = [(_text(v), str(label)) for v, label in segment_field.options()]
    view.help_text = str(segment_field.help_text or "")
    view.has_period = segment_field.period
    period = definition.get("period") or {}
    if isinstance(period, dict):
        if "last_days" in period:
            view.period, view.period_days = "last_days", _text(period["last_days"])
        elif period:
            view.period = "range"
            view.period_from, view.period_to = _text(period.get("from")), _text(period.get("to"))
    return view


def field_groups(fields: Mapping[str, SegmentField]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the fields for the field menu, grouped as ``(group, [(name, label)])``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for segment_field in fields.values():
        groups.setdefault(str(segment_field.group), []).append(
            (segment_field.name, str(segment_field.label))
        )
    return list(groups.items())


# --- Saving ----------------------------------------------------------------------------


def share_teams(user: User) -> QuerySet[Team]:
    """Return the teams ``user`` may share a segment with."""
    teams = Team.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        teams = teams.filter(pk__in=permissions.team_ids(user))
    return teams.order_by("name")


class SegmentForm(forms.Form):
    """Name, description and sharing of a segment; the conditions come from the tree."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    team = forms.ModelChoiceField(
        label=_("Share with team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Not shared (only me)"),
        help_text=_("Members of the team can use the segment; each sees only their entities."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = share_teams(user)
        current = self.initial.get("team")
        if isinstance(current, Team):
            teams = teams | Team.objects.filter(pk=current.pk)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
