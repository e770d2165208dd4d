"""Domain events that later apps react to, without the earlier apps knowing about them.

A service publishes what happened (``"entity.created"``, ``"entity.changed"``,
``"opportunity.won"``) once its write is done; apps that care subscribe in their
``AppConfig.ready()`` — the sales app queues its outbound webhooks this way, and the
automation rules can too — so that ``entities`` and ``cases`` never import them.

Subscribers run synchronously, inside the publishing service's transaction: what they
write rolls back with it, and anything that reaches the outside world (an HTTP call, an
email, a queued job) must be scheduled with :func:`relata.core.effects.on_commit`.
Publishing an event nobody subscribes to costs nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from relata.core.models import User

ENTITY_CREATED = "entity.created"
ENTITY_CHANGED = "entity.changed"
OPPORTUNITY_WON = "opportunity.won"


@dataclass(frozen=True)
class Event:
    """What happened: its ``name``, the record it happened to, who did it and, for a change,
    the names of the fields that changed (``"addresses"`` when the addresses did)."""

    name: str
    obj: Any
    user: User | None = None
    changed: frozenset[str] = field(default_factory=frozenset)


Subscriber = Callable[[Event], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(name: str, subscriber: Subscriber) -> Subscriber:
    """Call ``subscriber(event)`` whenever ``name`` is published; subscribing twice is once."""
    if subscriber not in _subscribers[name]:
        _subscribers[name].append(subscriber)
    return subscriber


def unsubscribe(name: str, subscriber: Subscriber) -> None:
    if subscriber in _subscribers[name]:
        _subscribers[name].remove(subscriber)


def publish(name: str, obj: Any, *, user: User | None = None, changed: Iterable[str] = ()) -> Event:
    """Tell the subscribers of ``name`` that it happened to ``obj``; return the event."""
    event = Event(name=name, obj=obj, user=user, changed=frozenset(changed))
    for subscriber in list(_subscribers.get(name, ())):
        subscriber(event)
    return event
