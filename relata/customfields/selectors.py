"""Reads of custom-field definitions.

Definitions are read on every form, list and API call of the records that carry values,
so :func:`field_definitions` keeps them in the cache. The cache keys include a generation
token that :func:`field_definitions_cache_clear` replaces after every change, so a change
is seen at once by every process that shares the cache (Redis in production) and within
``CACHE_SECONDS`` by the others.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core.cache import cache
from django.db.models import Q, QuerySet

from relata.customfields.models import FieldDefinition

CACHE_PREFIX = "relata:customfields:v1"
CACHE_SECONDS = 300
_GENERATION_KEY = f"{CACHE_PREFIX}:generation"


def _generation() -> str:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.set(_GENERATION_KEY, generation, None)
    return generation


def field_definitions_cache_clear() -> None:
    """Forget every cached list of definitions."""
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)


def scope_q(*, target: str, scope: str = "") -> Q:
    """Return the filter for the definitions that apply to records of ``target``/``scope``.

    A scoped record (a case of one type) has the target's unscoped fields and its own.
    """
    scopes = ["", scope] if scope else [""]
    return Q(target=target, scope__in=scopes)


def field_definitions(
    *, target: str, scope: str = "", active_only: bool = True
) -> list[FieldDefinition]:
    """Return the definitions that apply to records of ``target`` in ``scope``, in order."""
    digest = hashlib.sha256(scope.encode()).hexdigest()[:16]
    key = f"{CACHE_PREFIX}:{_generation()}:{target}:{digest}:{int(active_only)}"
    definitions = cache.get(key)
    if definitions is None:
        qs = FieldDefinition.objects.filter(scope_q(target=target, scope=scope))
        if active_only:
            qs = qs.filter(is_active=True)
        # Unscoped fields first, then the scope's own, each in the administrator's order.
        definitions = list(qs.order_by("scope", "order", "id"))
        cache.set(key, definitions, CACHE_SECONDS)
    return definitions


def list_columns(*, target: str, scope: str = "") -> list[FieldDefinition]:
    """Return the active definitions shown as columns in lists of the target."""
    return [d for d in field_definitions(target=target, scope=scope) if d.show_in_list]


def filter_fields(*, target: str, scope: str = "") -> list[FieldDefinition]:
    """Return the active definitions offered as filters in lists of the target."""
    return [d for d in field_definitions(target=target, scope=scope) if d.show_in_filters]


def field_definition_list(
    *, target: str | None = None, include_inactive: bool = True
) -> QuerySet[FieldDefinition]:
    """Return definitions for the configuration pages and the API, in display order.

    Configuration is readable by every active user (see :mod:`relata.core.permissions`).
    """
    qs = FieldDefinition.objects.all()
    if target:
        qs = qs.filter(target=target)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("target", "scope", "order", "id")


def sibling_keys(*, definition: FieldDefinition) -> list[str]:
    """Return the keys of the definitions sharing ``definition``'s target and scope, in order."""
    return list(
        FieldDefinition.objects.filter(target=definition.target, scope=definition.scope)
        .order_by("order", "id")
        .values_list("key", flat=True)
    )
