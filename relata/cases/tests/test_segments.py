"""Segment conditions on an entity's cases (registered by the cases app)."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.cases import services
from relata.cases.models import Case
from relata.entities.models import Entity
from relata.entities.segments import definition_clean, definition_q

D = decimal.Decimal


def names(definition):
    entities = Entity.objects.filter(definition_q(definition))
    return sorted(entities.values_list("legal_name", flat=True))


def cond(field, operator, value=None, **extra):
    data = {"field": field, "operator": operator, **extra}
    if value is not None:
        data["value"] = value
    return {"op": "and", "conditions": [data]}


def test_case_conditions(make_case, make_entity, agent, team, statuses):
    busy = make_entity(agent, team, "Busy SL")
    quiet = make_entity(agent, team, "Quiet SL")
    winner = make_entity(agent, team, "Winner SL")
    make_case(entity=busy)
    make_case(entity=busy, case_type="complaint")
    old = make_case(entity=winner, amount=D("1000.00"))
    services.case_move(user=agent, case=old, status=statuses("opportunity", "won"))
    recent = make_case(entity=winner, amount=D("500.00"))
    services.case_move(user=agent, case=recent, status=statuses("opportunity", "won"))
    Case.objects.filter(pk=old.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=400),
        opened_at=timezone.now() - datetime.timedelta(days=420),
    )

    assert names(cond("history.open_cases", "gte", 2)) == ["Busy SL"]
    assert "Quiet SL" in names(cond("history.open_cases", "eq", 0))
    assert names(cond("history.opportunities_won", "eq", 2)) == ["Winner SL"]
    assert names(cond("history.opportunities_won", "eq", 1, period={"last_days": 365})) == [
        "Winner SL"
    ]
    assert names(cond("history.amount_won", "gte", "1500")) == ["Winner SL"]
    assert names(cond("history.amount_won", "gt", "600", period={"last_days": 365})) == []
    assert names(cond("history.last_case_opened", "in_last_days", 30)) == ["Busy SL", "Winner SL"]
    assert quiet.legal_name not in names(cond("history.last_case_opened", "is_not_empty"))


def test_case_conditions_are_validated_like_the_others(db):
    cleaned = definition_clean(cond("history.open_cases", "gte", "3"))
    assert cleaned == cond("history.open_cases", "gte", 3)
    with pytest.raises(ValidationError):
        definition_clean(cond("history.amount_won", "gte", "a lot"))
