"""Template helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **changes: Any) -> str:
    """Return the current query string with ``changes`` applied (for pagination, sorting)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.inclusion_tag("partials/sort_link.html", takes_context=True)
def sort_link(context: dict[str, Any], field: str, label: str) -> dict[str, Any]:
    """Render a table-header link that sorts by ``field`` and toggles the direction."""
    current = context["request"].GET.get("sort", "")
    descending = current == f"-{field}"
    active = current in (field, f"-{field}")
    target = field if descending or not active else f"-{field}"
    query = context["request"].GET.copy()
    query["sort"] = target
    query.pop("page", None)
    return {"query": query.urlencode(), "label": label, "active": active, "descending": descending}
