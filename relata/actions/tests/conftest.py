"""Fixtures shared by the actions tests: the seeded types, entities, contacts and a factory.

The users (``admin_user``, ``manager``, ``agent``, ``other_agent``, ``reader``) and teams
(``team``, ``other_team``) come from the root conftest. ``agent``, ``manager`` and
``reader`` are in ``team``; ``other_agent`` is in ``other_team``.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from relata.entities.models import EntityKind, KindMeaning

# A fixed, timezone-aware moment in the future for the actions the tests create.
START = datetime.datetime(2031, 3, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def action_types(db):
    """The seeded action types by code (call, email, visit, documentation, presentation,
    meeting, task)."""
    from relata.actions.models import ActionType

    return {t.code: t for t in ActionType.objects.all()}


@pytest.fixture
def entity_kind(db):
    kind, _created = EntityKind.objects.get_or_create(
        code="customer",
        defaults={"label_en": "Customer", "label_es": "Cliente", "meaning": KindMeaning.CUSTOMER},
    )
    return kind


def _entity(user, team, kind, name: str):
    from relata.entities.models import Entity

    return Entity.objects.create(kind=kind, legal_name=name, owner=user, team=team)


@pytest.fixture
def make_entity(entity_kind):
    """``make_entity(owner, team, name="…")``: an entity created directly (no permission check)."""

    def make(owner, team=None, name: str = "Acme Trading SL"):
        return _entity(owner, team, entity_kind, name)

    return make


@pytest.fixture
def entity(agent, team, make_entity):
    """An entity owned by ``agent`` in ``team``."""
    return make_entity(agent, team, "Acme Trading SL")


@pytest.fixture
def other_entity(other_agent, other_team, make_entity):
    """An entity owned by ``other_agent`` in ``other_team`` (invisible to ``team``)."""
    return make_entity(other_agent, other_team, "Boreal Logistics SA")


@pytest.fixture
def contact(entity):
    """A contact of ``entity``."""
    from relata.entities.models import Contact

    return Contact.objects.create(entity=entity, first_name="Carmen", last_name="Ruiz")


@pytest.fixture
def other_contact(other_entity):
    """A contact of ``other_entity``."""
    from relata.entities.models import Contact

    return Contact.objects.create(entity=other_entity, first_name="Oscar", last_name="Vidal")


@pytest.fixture
def make_action(agent, entity, action_types):
    """``make_action(**overrides)``: create an action through ``services.action_create``.

    Defaults: by ``agent`` (override with ``user=``), for ``entity``, type ``call``, starting
    at ``START``. ``type`` may be a code or an ActionType; ``attendee_users`` and
    ``attendee_contacts`` are passed to the service. Other keys go into ``data`` (owner,
    team, contact, subject, start, end, all_day, …).
    """
    from relata.actions import services

    def make(**overrides: Any):
        user = overrides.pop("user", agent)
        attendee_users = overrides.pop("attendee_users", ())
        attendee_contacts = overrides.pop("attendee_contacts", ())
        action_type = overrides.pop("type", "call")
        if isinstance(action_type, str):
            action_type = action_types[action_type]
        data: dict[str, Any] = {
            "entity": entity,
            "type": action_type,
            "subject": "Call about the renewal",
            "start": START,
            **overrides,
        }
        return services.action_create(
            user=user,
            data=data,
            attendee_users=attendee_users,
            attendee_contacts=attendee_contacts,
        )

    return make


@pytest.fixture
def finished_actions_editable(db):
    """``finished_actions_editable(True|False)``: set the general parameter for the test."""
    from relata.core.models import CrmParameters
    from relata.core.selectors import parameters_cache_clear

    def set_(value: bool) -> None:
        parameters = CrmParameters.objects.get_or_create(pk=1)[0]
        parameters.finished_actions_editable = value
        parameters.save()
        parameters_cache_clear()

    return set_
