"""Helpers for the change history kept by django-simple-history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from relata.core.models import User


def set_history_user(instance: models.Model, user: User | None) -> None:
    """Record ``user`` as the author of the next history row of ``instance``.

    simple-history reads ``instance._history_user`` when the instance is saved or deleted
    and falls back to the user of the current request; services set it explicitly.
    """
    # The attribute is simple-history's own protocol and appears on no model's type.
    instance._history_user = user  # type: ignore[attr-defined]
