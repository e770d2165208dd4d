"""Settings → Sales (ERP): linking settings and integration tokens, administrators only."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from relata.sales.linking import link_setting
from relata.sales.models import IntegrationToken, Master

from .conftest import customer_payload

pytestmark = pytest.mark.django_db


def test_page_is_for_administrators(client, agent, manager):
    for user in (agent, manager):
        client.force_login(user)
        assert client.get(reverse("sales:settings")).status_code == 403
        url = reverse("sales:link_setting_save", args=["customers"])
        assert client.post(url, {"customers-creates_entity": ""}).status_code == 403
    assert link_setting(Master.CUSTOMERS).creates_entity is True


def test_settings_are_shown_and_saved(client, admin_user, agent, team):
    client.force_login(admin_user)
    page = client.get(reverse("sales:settings"))
    assert page.status_code == 200
    assert b'name="customers-creates_entity"' in page.content
    url = reverse("sales:link_setting_save", args=["suppliers"])
    response = client.post(
        url,
        {
            "suppliers-creates_entity": "on",
            "suppliers-default_owner": agent.pk,
            "suppliers-default_team": team.pk,
        },
    )
    assert response.status_code == 302
    setting = link_setting(Master.SUPPLIERS)
    assert (
        setting.creates_entity and setting.default_owner == agent and setting.default_team == team
    )
    assert client.post(reverse("sales:link_setting_save", args=["nope"]), {}).status_code == 404


def test_token_created_once_shown_and_revoked(client, admin_user, kinds):
    client.force_login(admin_user)
    response = client.post(reverse("sales:token_create"), {"name": "Navision"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("rit_")
    token = IntegrationToken.objects.get()
    assert token.acts_as == admin_user and raw not in token.digest
    erp = APIClient()
    erp.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert (
        erp.put("/api/v1/sales/customers/C001", customer_payload(), format="json").status_code
        == 201
    )
    assert raw.encode() not in client.get(reverse("sales:settings")).content
    client.post(reverse("sales:token_revoke", args=[token.pk]))
    assert (
        erp.put("/api/v1/sales/customers/C001", customer_payload(), format="json").status_code
        == 401
    )


def test_token_form_errors(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("sales:token_create"), {"name": ""})
    assert response.status_code == 400
    assert response.context["token_form"].errors["name"]
    assert not IntegrationToken.objects.exists()


def test_integration_token_command(admin_user, capsys):
    from django.core.management import call_command

    call_command("integration_token", "ERP", "--user", admin_user.username)
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("rit_") and IntegrationToken.objects.get().name == "ERP"
    call_command("integration_token", "ERP", "--user", admin_user.username, "--revoke")
    assert not IntegrationToken.objects.get().is_active


def test_webhook_created_secret_shown_once_and_deactivated(client, admin_user, agent):
    from relata.sales.models import WebhookEndpoint

    client.force_login(agent)
    assert client.post(reverse("sales:webhook_create"), {}).status_code == 403
    client.force_login(admin_user)
    response = client.post(
        reverse("sales:webhook_create"),
        {"name": "ERP", "url": "https://erp.example/hooks", "events": ["entity.created"]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert response.context["new_secret"] == endpoint.secret
    assert endpoint.secret.encode() not in client.get(reverse("sales:settings")).content
    bad = client.post(reverse("sales:webhook_create"), {"name": "x", "url": "nope"})
    assert bad.status_code == 400 and WebhookEndpoint.objects.count() == 1
    client.post(reverse("sales:webhook_deactivate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
