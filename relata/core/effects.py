"""Side effects that must happen only if the surrounding transaction commits.

Services never send an email or queue a job directly: they call :func:`on_commit`, so that
a rolled-back write sends nothing. The name says when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction


def on_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` after the current transaction commits."""
    transaction.on_commit(partial(func, *args, **kwargs), robust=True)


def enqueue_on_commit(task: Any, /, *args: Any, **kwargs: Any) -> None:
    """Queue a Huey ``task`` with the given arguments once the transaction commits."""
    on_commit(task, *args, **kwargs)
