"""Campaign services: validation and who may write (administrators and managers)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.campaigns import selectors, services
from relata.campaigns.models import Campaign

pytestmark = pytest.mark.django_db

SPRING = {
    "code": "spring-fair",
    "name": "Spring fair",
    "starts_on": datetime.date(2026, 3, 1),
    "ends_on": datetime.date(2026, 3, 31),
}


@pytest.mark.parametrize("role", ["admin_user", "manager"])
def test_administrators_and_managers_create_and_change_campaigns(request, role):
    user = request.getfixturevalue(role)

    campaign = services.campaign_create(user=user, data=SPRING)
    services.campaign_update(user=user, campaign=campaign, data={"is_active": False})

    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.name, stored.is_active) == ("Spring fair", False)
    assert stored.history.first().history_user == user


def test_a_campaign_cannot_end_before_it_starts(manager):
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            user=manager, data={**SPRING, "ends_on": datetime.date(2026, 2, 1)}
        )

    assert error.value.message_dict["ends_on"] == ["The campaign cannot end before it starts."]
    assert not Campaign.objects.exists()


def test_a_duplicate_code_is_refused(manager):
    services.campaign_create(user=manager, data=SPRING)

    with pytest.raises(ValidationError) as error:
        services.campaign_create(user=manager, data={**SPRING, "name": "Another"})

    assert error.value.message_dict["code"] == [
        "Another campaign already has the code “spring-fair”."
    ]


@pytest.mark.parametrize("role", ["agent", "reader"])
def test_agents_and_readers_cannot_write_campaigns(request, role, manager):
    user = request.getfixturevalue(role)
    campaign = services.campaign_create(user=manager, data=SPRING)

    with pytest.raises(PermissionDenied):
        services.campaign_create(user=user, data={**SPRING, "code": "other"})
    with pytest.raises(PermissionDenied):
        services.campaign_update(user=user, campaign=campaign, data={"name": "Renamed"})

    assert list(Campaign.objects.values_list("name", flat=True)) == ["Spring fair"]


def test_campaigns_selector_lists_the_active_ones_latest_first(manager):
    old = services.campaign_create(
        user=manager,
        data={"code": "old", "name": "Old", "starts_on": datetime.date(2025, 1, 1)},
    )
    new = services.campaign_create(user=manager, data=SPRING)
    undated = services.campaign_create(user=manager, data={"code": "always", "name": "Always"})
    services.campaign_update(user=manager, campaign=old, data={"is_active": False})

    assert list(selectors.campaigns()) == [new, undated]
    assert list(selectors.campaigns(active_only=False)) == [new, old, undated]
