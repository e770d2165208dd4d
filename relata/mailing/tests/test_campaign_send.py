"""Sending email to a campaign's targets (``/email/compose/?campaign=``): the contacts of
its target segment, marketing by default, every email recorded as the campaign's; and a
segment send attributed to a campaign."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.campaigns import services as campaign_services
from relata.campaigns.models import Campaign
from relata.entities.models import Segment
from relata.mailing.models import EmailStatus, OutgoingEmail

pytestmark = pytest.mark.django_db

MESSAGE = {
    "subject": "{{ campaign.name }} for {{ entity.name }}",
    "body_html": "<p>Hello {{ contact.first_name }}, see our offer.</p>",
    "is_marketing": "on",
}


@pytest.fixture
def segment(agent, team):
    """Every entity the viewer may see, shared with the team (agent, manager, reader)."""
    return Segment.objects.create(name="Everyone", definition={}, owner=agent, team=team)


@pytest.fixture
def campaign(manager, segment):
    return campaign_services.campaign_create(
        user=manager,
        data={"code": "spring", "name": "Spring offer", "target_segment": segment},
    )


@pytest.fixture
def targets(make_contact):
    """Ana accepts marketing email, Bea does not, Cleo has no address."""
    return {
        "ana": make_contact("Ana", "ana@example.com", opt_in=True),
        "bea": make_contact("Bea", "bea@example.com"),
        "cleo": make_contact("Cleo", ""),
    }


def _url(campaign: Campaign) -> str:
    return f"{reverse('mailing:compose')}?campaign={campaign.pk}"


def test_the_compose_page_lists_the_targets_and_is_marketing(client, agent, campaign, targets):
    client.force_login(agent)

    page = client.get(_url(campaign))

    content = page.content.decode()
    assert page.status_code == 200
    assert page.context["form"].initial["is_marketing"] is True
    assert [c.first_name for c in page.context["audience"].choices] == ["Ana", "Bea", "Cleo"]
    assert "Email the targets of “Spring offer”" in content
    assert "ana@example.com" in content and "bea@example.com" in content
    assert "3 contacts of the segment" in content and "1 of them accepts marketing" in content
    assert 'id="compose-campaign"' in content
    # The campaign is fixed by the page: no campaign select, and the form posts back to it.
    assert 'name="campaign"' not in content
    assert f'action="{_url(campaign)}"' in content


def test_sending_queues_marketing_emails_recorded_as_the_campaigns(
    client, smtp_server, agent, entity, campaign, targets, django_capture_on_commit_callbacks
):
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(campaign), MESSAGE)

    emails = {e.to_email: e for e in OutgoingEmail.objects.select_related("action")}
    assert response.status_code == 302
    assert set(emails) == {"ana@example.com", "bea@example.com"}
    assert {e.campaign_id for e in emails.values()} == {campaign.pk}
    assert all(e.is_marketing for e in emails.values())
    # Bea does not accept marketing email: recorded, not sent.
    assert emails["ana@example.com"].status == EmailStatus.SENT
    assert emails["bea@example.com"].status == EmailStatus.SUPPRESSED
    assert emails["bea@example.com"].last_error == "The contact does not accept marketing email."
    # One "email" action on the entity's timeline, linked from both messages.
    action = emails["ana@example.com"].action
    assert action is not None and action == emails["bea@example.com"].action
    assert action.entity == entity and "Not sent to bea@example.com" in action.description
    assert action.campaign == campaign
    # The SMTP peer got Ana's message only, personalised, with one-click unsubscribe.
    assert [m["X-Envelope-To"] for m in smtp_server] == ["ana@example.com"]
    assert smtp_server[0]["Subject"] == f"Spring offer for {entity.display_name}"
    assert smtp_server[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_posted_campaign_does_not_replace_the_pages(client, agent, campaign, targets):
    other = Campaign.objects.create(code="other", name="Other")
    client.force_login(agent)

    client.post(_url(campaign), {**MESSAGE, "campaign": other.pk})

    assert set(OutgoingEmail.objects.values_list("campaign", flat=True)) == {campaign.pk}


def test_choosing_a_template_keeps_a_campaign_send_marketing(
    client, agent, campaign, service_template
):
    client.force_login(agent)
    url = reverse("mailing:compose_template")

    on_campaign = client.get(url, {"template": service_template.pk, "campaign": campaign.pk})
    elsewhere = client.get(url, {"template": service_template.pk})

    checkbox = 'id="id_is_marketing" checked'
    assert on_campaign.status_code == 200
    assert checkbox in on_campaign.content.decode()
    assert 'id="id_is_marketing"' in elsewhere.content.decode()
    assert checkbox not in elsewhere.content.decode()


def test_a_campaign_without_target_segment_explains_why(client, agent, manager, targets):
    bare = campaign_services.campaign_create(user=manager, data={"code": "bare", "name": "Bare"})
    client.force_login(agent)

    response = client.get(_url(bare), follow=True)
    posted = client.post(_url(bare), MESSAGE)
    preview = client.post(f"{reverse('mailing:compose_preview')}?campaign={bare.pk}", MESSAGE)

    assert response.redirect_chain == [(reverse("campaigns:campaign_list"), 302)]
    assert "The campaign “Bare” has no target segment." in response.content.decode()
    assert posted.status_code == 302
    assert b"has no target segment" in preview.content
    assert not OutgoingEmail.objects.exists()


def test_an_inactive_campaign_sends_nothing(client, agent, campaign, targets):
    Campaign.objects.filter(pk=campaign.pk).update(is_active=False)
    client.force_login(agent)

    response = client.post(_url(campaign), MESSAGE, follow=True)

    assert "is not active" in response.content.decode()
    assert not OutgoingEmail.objects.exists()


def test_a_segment_whose_conditions_no_longer_fit_is_a_message(client, agent, campaign, targets):
    Segment.objects.filter(pk=campaign.target_segment_id).update(
        definition={"op": "and", "conditions": [{"field": "gone", "operator": "eq", "value": 1}]}
    )
    client.force_login(agent)

    response = client.get(_url(campaign), follow=True)

    assert response.redirect_chain == [(reverse("campaigns:campaign_list"), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not OutgoingEmail.objects.exists()


def test_readers_cannot_send_to_a_campaigns_targets(client, reader, campaign, targets):
    client.force_login(reader)

    responses = [
        client.get(_url(campaign)),
        client.post(_url(campaign), MESSAGE),
        client.post(f"{reverse('mailing:compose_preview')}?campaign={campaign.pk}", MESSAGE),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert not OutgoingEmail.objects.exists()


def test_an_agent_cannot_use_a_target_segment_they_cannot_see(
    client, admin_user, other_agent, agent, targets
):
    private = Segment.objects.create(name="Mine", definition={}, owner=other_agent)
    campaign = campaign_services.campaign_create(
        user=admin_user, data={"code": "x", "name": "X", "target_segment": private}
    )
    client.force_login(agent)

    responses = [client.get(_url(campaign)), client.post(_url(campaign), MESSAGE)]

    assert [r.status_code for r in responses] == [404, 404]
    assert not OutgoingEmail.objects.exists()


def test_unknown_campaigns_are_404(client, agent, campaign):
    gone = Campaign.objects.create(code="gone", name="Gone")
    gone_pk = gone.pk
    gone.delete()
    client.force_login(agent)

    assert client.get(f"{reverse('mailing:compose')}?campaign={gone_pk}").status_code == 404
    assert client.get(f"{reverse('mailing:compose')}?campaign=spring").status_code == 404


def test_a_segment_send_may_be_recorded_as_a_campaigns(client, agent, segment, campaign, targets):
    Campaign.objects.create(code="old", name="Old mailing", is_active=False)
    client.force_login(agent)
    url = f"{reverse('mailing:compose')}?segment={segment.pk}"

    page = client.get(url)
    attributed = client.post(url, {**MESSAGE, "campaign": campaign.pk})
    batch = set(OutgoingEmail.objects.values_list("campaign", flat=True))
    OutgoingEmail.objects.all().delete()
    plain = client.post(url, {**MESSAGE})

    choices = [label for value, label in page.context["form"]["campaign"].field.choices if value]
    assert choices == ["Spring offer"]  # active campaigns only
    assert page.context["form"].initial.get("is_marketing") is None  # a segment send: no default
    assert (attributed.status_code, plain.status_code) == (302, 302)
    assert batch == {campaign.pk}
    assert set(OutgoingEmail.objects.values_list("campaign", flat=True)) == {None}


def test_the_preview_fills_in_the_campaign(client, agent, campaign, targets):
    client.force_login(agent)

    preview = client.post(
        f"{reverse('mailing:compose_preview')}?campaign={campaign.pk}",
        {"subject": "{{ campaign.name }} ({{ campaign.code }})", "body_html": "x"},
    )

    assert b"Spring offer (spring)" in preview.content
