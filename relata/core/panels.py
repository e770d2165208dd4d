"""Panels that later apps add to the pages of earlier ones.

The entity page shows its actions (and, later, cases and sales) without the entities app
knowing about those apps: each registers a function that returns the panel's rendered HTML
for a record and a viewer, or ``""`` when it has nothing to show. Each panel applies the
permission layer itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import models
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[HttpRequest, models.Model], str]
_panels: dict[str, list[tuple[int, Panel]]] = defaultdict(list)


def register(page: str, order: int = 50) -> Callable[[Panel], Panel]:
    """Add a panel to ``page`` (e.g. ``"entity_detail"``); lower ``order`` shows first."""

    def decorator(panel: Panel) -> Panel:
        _panels[page].append((order, panel))
        _panels[page].sort(key=lambda item: item[0])
        return panel

    return decorator


def render_panels(page: str, request: HttpRequest, obj: models.Model) -> SafeString:
    """Return the HTML of every panel of ``page`` for ``obj``.

    Each panel is rendered by its own template (autoescaped), so the joined result is safe.
    """
    return mark_safe("".join(panel(request, obj) for _order, panel in _panels[page]))  # noqa: S308
