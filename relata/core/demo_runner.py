"""Demo data runner: each app adds steps in its own ``demo.py``; ``relata demo`` runs them in order.

The data is reproducible: every step draws from the same seeded random generator, so the
same ``--seed`` gives the same records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from tqdm import tqdm


@dataclass
class DemoContext:
    seed: int
    entities: int
    rng: random.Random
    # Steps leave what later steps need here (users, teams, entities…).
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    progress: Any = None

    def advance(self, n: int = 1) -> None:
        if self.progress is not None:
            self.progress.update(n)


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    func: Callable[[DemoContext], None]
    weight: Callable[[DemoContext], int] = lambda ctx: 1


_steps: list[DemoStep] = []


def step(
    order: int, name: str, weight: Callable[[DemoContext], int] | None = None
) -> Callable[..., Any]:
    """Register a demo step; ``weight`` says how many progress ticks it will advance."""

    def decorator(func: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        if not any(s.name == name for s in _steps):
            _steps.append(DemoStep(order, name, func, weight or (lambda ctx: 1)))
        return func

    return decorator


def steps() -> list[DemoStep]:
    autodiscover_modules("demo")
    return sorted(_steps, key=lambda s: s.order)


def run(*, seed: int = 42, entities: int = 200, show_progress: bool = True) -> DemoContext:
    """Load the demo data in one transaction: all of it or, on error, none."""
    ctx = DemoContext(seed=seed, entities=entities, rng=random.Random(seed))
    todo = steps()
    total = sum(s.weight(ctx) for s in todo)
    with (
        tqdm(
            total=total, desc="Demo data", unit="step", disable=not show_progress, leave=True
        ) as bar,
        transaction.atomic(),
    ):
        ctx.progress = bar
        for demo_step in todo:
            bar.set_postfix_str(demo_step.name)
            before = bar.n
            demo_step.func(ctx)
            # Steps that do not tick themselves still move the bar by their weight.
            if bar.n == before:
                bar.update(demo_step.weight(ctx))
    return ctx
