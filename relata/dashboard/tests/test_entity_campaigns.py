"""The entity page's "Campaigns" card: the campaigns of its visible cases and actions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from relata.actions.models import Action
from relata.campaigns.models import Campaign
from relata.dashboard.panels_entity import entity_campaigns

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns():
    return (
        Campaign.objects.create(
            code="spring", name="Spring fair", starts_on=datetime.date(2031, 3, 1)
        ),
        Campaign.objects.create(
            code="autumn", name="Autumn mailing", starts_on=datetime.date(2031, 9, 1)
        ),
        Campaign.objects.create(code="never", name="Never used"),
    )


def test_campaigns_of_the_entitys_cases_and_actions_latest_first(
    client, agent, entity, make_case, pn_action, pn_now, campaigns
):
    spring, autumn, _never = campaigns
    make_case(subject="fair lead", campaign=spring)
    make_case(subject="fair deal", campaign=spring)
    action = pn_action(pn_now, subject="mailing")
    Action.objects.filter(pk=action.pk).update(campaign=autumn)
    client.force_login(agent)

    rows = entity_campaigns(user=agent, entity=entity)
    page = client.get(reverse("entities:detail", args=[entity.pk])).content.decode()

    assert [(r.campaign.code, r.cases, r.actions) for r in rows] == [
        ("autumn", 0, 1),
        ("spring", 2, 0),
    ]
    assert 'id="campaigns-panel"' in page and "Never used" not in page
    assert (
        f"campaign={spring.pk}" in rows[1].cases_url and f"entity={entity.pk}" in rows[1].cases_url
    )


def test_only_what_the_viewer_may_see_counts(other_agent, entity, make_case, campaigns):
    make_case(subject="fair lead", campaign=campaigns[0])

    assert entity_campaigns(user=other_agent, entity=entity) == []


def test_an_entity_without_campaigns_says_so(client, agent, entity):
    client.force_login(agent)

    page = client.get(reverse("entities:detail", args=[entity.pk])).content.decode()

    assert "Not part of any campaign yet" in page
