"""``GET /api/v1/dashboard/``: the same figures as the selectors, the same scoping."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from relata.actions import services as action_services
from relata.cases.models import Case
from relata.dashboard.panel import action_lists, case_lists, panel_scope
from relata.dashboard.panel_kpis import kpis

pytestmark = pytest.mark.django_db

D = datetime.timedelta(days=1)
URL = "/api/v1/dashboard/"


@pytest.fixture
def pn_api_data(agent, manager, pn_action, make_case):
    now = timezone.now()
    for index in range(3):
        pn_action(now - (index + 1) * D, subject=f"overdue {index}")
        pn_action(now + (index + 2) * D, subject=f"upcoming {index}")
    done = pn_action(now - datetime.timedelta(minutes=5), subject="done")
    action_services.action_complete(user=agent, action=done, outcome="ok")
    make_case(subject="needs a step")
    incident = make_case(case_type="incident", subject="late incident")
    Case.objects.filter(pk=incident.pk).update(due_at=now - D)
    pn_action(now + 2 * D, subject="maria's", user=manager)


def test_url_name():
    assert reverse("api-dashboard") == URL


def test_anonymous_gets_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_output_equals_the_selectors(api_client, agent, pn_api_data):
    api_client.force_authenticate(agent)

    response = api_client.get(URL, {"limit": 2, "period": "month"})

    data = response.json()
    scope = panel_scope(user=agent)
    actions = action_lists(scope=scope, limit=2)
    cases = case_lists(scope=scope, limit=2)
    figures = kpis(scope=scope, period="month")
    assert response.status_code == 200
    assert data["scope"] == {"member": {"id": agent.pk, "name": str(agent)}, "team": None}
    assert data["counts"] == {
        "overdue": actions.counts["overdue"],
        "today": actions.counts["today"],
        "upcoming": actions.counts["upcoming"],
        "opportunities": cases.counts["opportunities"],
        "needing_attention": cases.counts["attention"],
        "after_sales_open": cases.counts["after_sales"],
        "after_sales_overdue": cases.counts["after_sales_overdue"],
    }
    assert data["counts"]["overdue"] == 3
    assert data["counts"]["after_sales_overdue"] == 1
    assert [item["id"] for item in data["overdue"]] == [a.pk for a in actions.overdue]
    assert len(data["overdue"]) == 2
    assert [item["id"] for item in data["upcoming"]] == [a.pk for a in actions.upcoming]
    assert [item["number"] for item in data["needing_attention"]] == [
        c.number for c in cases.attention
    ]
    assert data["needing_attention"][0]["reasons"] == ["no_action"]
    assert data["after_sales"][0]["is_overdue"] is True
    assert data["overdue"][0]["url"].endswith(f"/actions/{actions.overdue[0].pk}/")
    assert data["kpis"]["period"] == "month"
    assert data["kpis"]["done_total"] == figures.done_total == 1
    assert data["kpis"]["opportunities_opened"] == figures.opened
    assert data["kpis"]["amount_won"] == "0.00"


def test_agent_cannot_ask_for_someone_else(api_client, agent, manager, team):
    api_client.force_authenticate(agent)

    assert api_client.get(URL, {"member": manager.pk}).status_code == 403
    assert api_client.get(URL, {"team": team.pk}).status_code == 403


def test_manager_asks_for_a_member_and_the_team(api_client, manager, agent, team, pn_api_data):
    api_client.force_authenticate(manager)

    member = api_client.get(URL, {"member": agent.pk}).json()
    whole = api_client.get(URL, {"team": team.pk}).json()
    own = api_client.get(URL).json()

    assert member["scope"]["member"]["id"] == agent.pk
    assert member["counts"]["overdue"] == 3
    assert whole["scope"]["team"] == {"id": team.pk, "name": team.name}
    assert whole["counts"]["upcoming"] == 4
    assert own["counts"]["upcoming"] == 1
    assert [item["subject"] for item in own["upcoming"]] == ["maria's"]


def test_manager_cannot_ask_outside_their_teams(api_client, manager, other_agent):
    api_client.force_authenticate(manager)

    assert api_client.get(URL, {"member": other_agent.pk}).status_code == 403


def test_bad_limit_is_400(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.get(URL, {"limit": "0"})

    assert response.status_code == 400
    assert "limit" in response.json()["errors"]
