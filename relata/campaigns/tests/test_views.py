"""Campaign pages: list and form, for administrators and managers."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from relata.campaigns.models import Campaign

pytestmark = pytest.mark.django_db

FORM = {
    "code": "spring-fair",
    "name": "Spring fair",
    "description": "",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-31",
    "is_active": "on",
}


def test_a_manager_creates_and_edits_a_campaign(client, manager):
    client.force_login(manager)

    created = client.post(reverse("campaigns:campaign_create"), FORM)
    campaign = Campaign.objects.get(code="spring-fair")
    edited = client.post(
        reverse("campaigns:campaign_edit", args=[campaign.pk]),
        {**FORM, "name": "Spring trade fair", "ends_on": "2026-04-15"},
    )

    campaign.refresh_from_db()
    assert (created.status_code, edited.status_code) == (302, 302)
    assert (campaign.name, campaign.ends_on) == ("Spring trade fair", datetime.date(2026, 4, 15))


def test_the_form_refuses_an_end_before_the_start(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("campaigns:campaign_create"), {**FORM, "ends_on": "2026-02-01"})

    assert response.status_code == 200
    assert "The campaign cannot end before it starts." in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_list_shows_campaigns_with_their_case_count(
    client, admin_user, agent, entity, case_types
):
    from relata.cases.services import case_create

    client.force_login(admin_user)
    spring = Campaign.objects.create(code="spring", name="Spring fair")
    Campaign.objects.create(code="quiet", name="Quiet mailing", is_active=False)
    case_create(
        user=agent,
        data={
            "case_type": case_types["lead"],
            "entity": entity,
            "subject": "Met at the fair",
            "campaign": spring,
        },
    )

    response = client.get(reverse("campaigns:campaign_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert {c.code: c.case_count for c in response.context["page_obj"]} == {
        "spring": 1,
        "quiet": 0,
    }
    assert "Quiet mailing" in page
    assert response.context["nav_current"] == "campaigns"


def test_the_empty_list_invites_to_add_a_campaign(client, manager):
    client.force_login(manager)

    page = client.get(reverse("campaigns:campaign_list")).content.decode()

    assert "No campaigns yet" in page
    assert reverse("campaigns:campaign_create") in page


@pytest.mark.parametrize("role", ["agent", "reader"])
def test_agents_and_readers_read_the_list_and_get_403_on_changes(client, request, role):
    client.force_login(request.getfixturevalue(role))
    campaign = Campaign.objects.create(code="spring", name="Spring fair")

    listing = client.get(reverse("campaigns:campaign_list"))
    responses = [
        client.get(reverse("campaigns:campaign_create")),
        client.post(reverse("campaigns:campaign_create"), {**FORM, "code": "other"}),
        client.get(reverse("campaigns:campaign_edit", args=[campaign.pk])),
        client.post(reverse("campaigns:campaign_edit", args=[campaign.pk]), FORM),
    ]

    # They read the list, without the buttons to change it.
    assert listing.status_code == 200
    assert "Spring fair" in listing.content.decode()
    assert reverse("campaigns:campaign_create") not in listing.content.decode()
    assert reverse("campaigns:campaign_edit", args=[campaign.pk]) not in listing.content.decode()
    assert [r.status_code for r in responses] == [403] * 4
    assert list(Campaign.objects.values_list("name", flat=True)) == ["Spring fair"]
