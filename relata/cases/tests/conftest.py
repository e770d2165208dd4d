"""Fixtures shared by the cases tests: the seeded types, entities, contacts and a factory.

The users (``admin_user``, ``manager``, ``agent``, ``other_agent``, ``reader``) and teams
(``team``, ``other_team``) come from the root conftest. ``agent``, ``manager`` and
``reader`` are in ``team``; ``other_agent`` is in ``other_team``.
"""

from __future__ import annotations

from typing import Any

import pytest

from relata.entities.models import EntityKind, KindMeaning


@pytest.fixture
def case_types(db):
    """The seeded case types by code (opportunity, lead, complaint, incident,
    service_request)."""
    from relata.cases.models import CaseType

    return {t.code: t for t in CaseType.objects.all()}


@pytest.fixture
def statuses(case_types):
    """``statuses(type_code, status_code)``: a seeded status."""
    from relata.cases.models import CaseStatus

    def get(type_code: str, code: str):
        return CaseStatus.objects.get(case_type__code=type_code, code=code)

    return get


@pytest.fixture
def entity_kind(db):
    kind, _created = EntityKind.objects.get_or_create(
        code="customer",
        defaults={"label_en": "Customer", "label_es": "Cliente", "meaning": KindMeaning.CUSTOMER},
    )
    return kind


@pytest.fixture
def make_entity(entity_kind):
    """``make_entity(owner, team, name="…")``: an entity created directly (no permission check)."""
    from relata.entities.models import Entity

    def make(owner, team=None, name: str = "Acme Trading SL"):
        return Entity.objects.create(kind=entity_kind, legal_name=name, owner=owner, team=team)

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
    from relata.entities.models import Contact

    return Contact.objects.create(entity=entity, first_name="Carmen", last_name="Ruiz")


@pytest.fixture
def make_case(agent, entity, case_types):
    """``make_case(**overrides)``: create a case through ``services.case_create``.

    Defaults: by ``agent`` (override with ``user=``), for ``entity``, type ``opportunity``
    (a code or a CaseType), subject "Renewal 2031". Other keys go into ``data``.
    """
    from relata.cases import services

    def make(**overrides: Any):
        user = overrides.pop("user", agent)
        custom = overrides.pop("custom", None)
        case_type = overrides.pop("case_type", "opportunity")
        if isinstance(case_type, str):
            case_type = case_types[case_type]
        data: dict[str, Any] = {
            "case_type": case_type,
            "entity": entity,
            "subject": "Renewal 2031",
            **overrides,
        }
        return services.case_create(user=user, data=data, custom=custom)

    return make


@pytest.fixture
def products(db):
    """Two catalogue products of one family: ``products["licence"]`` (100.00) and
    ``products["training"]`` (50.00)."""
    from relata.products.models import Product, ProductFamily

    family = ProductFamily.objects.create(code="software", name_en="Software", name_es="Software")
    return {
        "licence": Product.objects.create(
            code="LIC-1", name_en="Licence", family=family, unit_price="100.00"
        ),
        "training": Product.objects.create(
            code="TRN-1", name_en="Training day", family=family, unit_price="50.00"
        ),
    }
