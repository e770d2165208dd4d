"""A campaign's target segment: chosen among the segments the user may use, kept when
another manager saves the campaign, shown in the list with "Send email to targets", and
protected from deletion while a campaign aims at it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from relata.campaigns import services
from relata.campaigns.models import Campaign
from relata.entities.models import Segment

pytestmark = pytest.mark.django_db

FORM = {"code": "spring", "name": "Spring fair", "description": "", "is_active": "on"}


@pytest.fixture
def shared(agent, team):
    return Segment.objects.create(name="Madrid customers", definition={}, owner=agent, team=team)


@pytest.fixture
def private(other_agent):
    return Segment.objects.create(name="Other team's leads", definition={}, owner=other_agent)


def test_a_manager_chooses_a_target_segment_among_those_they_may_use(
    client, manager, shared, private
):
    client.force_login(manager)

    page = client.get(reverse("campaigns:campaign_create"))
    created = client.post(
        reverse("campaigns:campaign_create"), {**FORM, "target_segment": shared.pk}
    )

    assert list(page.context["form"].fields["target_segment"].queryset) == [shared]
    assert 'name="target_segment"' in page.content.decode()
    assert created.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.target_segment == shared
    assert campaign.history.first().target_segment_id == shared.pk


def test_a_segment_the_user_may_not_use_is_refused(client, manager, private, shared):
    client.force_login(manager)
    campaign = services.campaign_create(user=manager, data={"code": "c", "name": "C"})

    response = client.post(
        reverse("campaigns:campaign_edit", args=[campaign.pk]),
        {**FORM, "code": "c", "target_segment": private.pk},
    )
    with pytest.raises(ValidationError) as error:
        services.campaign_update(user=manager, campaign=campaign, data={"target_segment": private})

    assert response.status_code == 200 and response.context["form"].errors["target_segment"]
    assert error.value.message_dict["target_segment"] == ["Choose one of the segments you may use."]
    assert Campaign.objects.get().target_segment is None


def test_saving_keeps_a_target_that_another_manager_chose(client, admin_user, manager, private):
    campaign = services.campaign_create(
        user=admin_user, data={**FORM, "is_active": True, "target_segment": private}
    )
    client.force_login(manager)

    page = client.get(reverse("campaigns:campaign_edit", args=[campaign.pk]))
    saved = client.post(
        reverse("campaigns:campaign_edit", args=[campaign.pk]),
        {**FORM, "name": "Renamed", "target_segment": private.pk},
    )

    campaign.refresh_from_db()
    assert page.context["form"]["target_segment"].value() == private.pk
    assert saved.status_code == 302
    assert (campaign.name, campaign.target_segment) == ("Renamed", private)


def test_the_target_can_be_removed(manager, shared):
    campaign = services.campaign_create(
        user=manager, data={"code": "c", "name": "C", "target_segment": shared}
    )

    services.campaign_update(user=manager, campaign=campaign, data={"target_segment": None})

    assert Campaign.objects.get().target_segment is None


def test_the_list_links_the_target_and_offers_to_send_to_it(client, agent, manager, shared):
    campaign = services.campaign_create(
        user=manager, data={"code": "c", "name": "C", "target_segment": shared}
    )
    services.campaign_create(user=manager, data={"code": "bare", "name": "Bare"})
    client.force_login(agent)

    page = client.get(reverse("campaigns:campaign_list")).content.decode()

    send_url = f"{reverse('mailing:compose')}?campaign={campaign.pk}"
    assert f'href="{shared.get_absolute_url()}">Madrid customers</a>' in page
    assert f'href="{send_url}" id="campaign-send-email-{campaign.pk}"' in page
    assert page.count("campaign-send-email-") == 1  # not on the campaign without a target


def test_readers_and_users_who_cannot_use_the_segment_get_no_send_button(
    client, reader, other_agent, manager, shared
):
    campaign = services.campaign_create(
        user=manager, data={"code": "c", "name": "C", "target_segment": shared}
    )

    client.force_login(reader)  # sees the shared segment, writes nothing
    for_reader = client.get(reverse("campaigns:campaign_list")).content.decode()
    client.force_login(other_agent)  # another team: may not use the segment
    for_outsider = client.get(reverse("campaigns:campaign_list")).content.decode()

    assert f"campaign-send-email-{campaign.pk}" not in for_reader
    assert f'href="{shared.get_absolute_url()}"' in for_reader
    assert f"campaign-send-email-{campaign.pk}" not in for_outsider
    assert "Madrid customers" in for_outsider
    assert f'href="{shared.get_absolute_url()}"' not in for_outsider


def test_a_segment_a_campaign_aims_at_cannot_be_deleted(manager, shared):
    services.campaign_create(
        user=manager, data={"code": "c", "name": "C", "target_segment": shared}
    )

    with pytest.raises(ProtectedError):
        shared.delete()

    assert Segment.objects.filter(pk=shared.pk).exists()


def test_deleting_a_targeted_segment_says_why_and_keeps_it(client, agent, manager, shared):
    services.campaign_create(
        user=manager, data={"code": "spring", "name": "Spring", "target_segment": shared}
    )
    client.force_login(agent)

    response = client.post(
        reverse("entities:entities_segments:delete", args=[shared.pk]), follow=True
    )

    assert response.status_code == 200
    assert "target of the campaigns Spring" in response.content.decode()
    assert Segment.objects.filter(pk=shared.pk).exists()
