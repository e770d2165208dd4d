"""The control panel page and its read fragments: every role, bounded queries, the member
and team switch, the entity side panel."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from relata.cases.models import Case

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


@pytest.fixture
def pn_busy_day(agent, manager, team, pn_action, make_case):
    """A few of everything for the agent and the manager (times relative to now)."""
    now = timezone.now()
    for index in range(4):
        pn_action(now - (index + 2) * D, subject=f"overdue {index}")
        pn_action(now + (index + 2) * D, subject=f"upcoming {index}")
        pn_action(now + (index + 2) * D, subject=f"maria upcoming {index}", user=manager)
        make_case(subject=f"opportunity {index}")
        make_case(case_type="incident", subject=f"incident {index}")
    pn_action(now + 2 * D, subject="for the team", user=manager, owner=None, team=team)


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user", "reader"])
def test_panel_renders_for_every_role_with_bounded_queries(
    client, request, role, pn_busy_day, django_assert_max_num_queries
):
    user = request.getfixturevalue(role)
    client.force_login(user)

    with django_assert_max_num_queries(40):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="panel-board"' in body
    assert 'id="panel-kpis"' in body


def test_agent_sees_their_lists_and_counters(client, agent, pn_busy_day):
    client.force_login(agent)

    response = client.get(reverse("home"))

    body = response.content.decode()
    assert 'id="panel-count-overdue" data-count="4"' in body
    assert 'id="panel-count-upcoming" data-count="' in body
    assert "overdue 3" in body
    assert "maria upcoming" not in body
    assert 'id="panel-count-attention" data-count="4"' in body
    assert 'id="panel-count-after-sales" data-count="4"' in body
    # Agents have no switch, no workload and no bulk bar.
    assert 'id="panel-scope-switch"' not in body
    assert 'id="panel-workload"' not in body
    assert 'id="panel-bulk-form"' not in body
    assert 'class="btn btn-outline-success panel-complete"' in body


def test_manager_sees_the_switch_the_workload_and_the_bulk_bar(client, manager, agent, pn_busy_day):
    client.force_login(manager)

    body = client.get(reverse("home")).content.decode()

    assert 'id="panel-scope-switch"' in body
    assert f'href="?member={agent.pk}"' in body
    assert 'id="panel-workload"' in body
    assert 'id="panel-bulk-form"' in body
    assert 'id="panel-bulk-owner"' in body
    assert "panel-select" in body


def test_manager_switches_to_a_member(client, manager, agent, pn_busy_day):
    client.force_login(manager)

    body = client.get(reverse("home"), {"member": agent.pk}).content.decode()

    assert "overdue 0" in body
    assert "maria upcoming" not in body
    assert 'class="panel-owner"' in body


def test_manager_sees_the_whole_team_with_owners(client, manager, team, pn_busy_day):
    client.force_login(manager)

    body = client.get(reverse("home"), {"team": team.pk}).content.decode()

    assert "overdue 0" in body
    assert "maria upcoming 0" in body
    assert 'class="panel-owner"' in body
    assert 'id="panel-count-upcoming" data-count="9"' in body


def test_agent_cannot_use_member_for_someone_else(client, agent, manager):
    client.force_login(agent)

    assert client.get(reverse("home"), {"member": manager.pk}).status_code == 403
    assert client.get(reverse("dashboard:panel_board"), {"member": manager.pk}).status_code == 403


def test_manager_cannot_look_outside_their_teams(client, manager, other_agent, other_team):
    client.force_login(manager)

    assert client.get(reverse("home"), {"member": other_agent.pk}).status_code == 403
    assert client.get(reverse("home"), {"team": other_team.pk}).status_code == 403


def test_read_only_user_sees_no_write_controls(client, reader, agent, pn_action, make_case):
    pn_action(timezone.now() - 2 * D, subject="team call", user=agent)
    client.force_login(reader)

    body = client.get(reverse("home")).content.decode()

    assert "panel-complete" not in body
    assert 'id="panel-new-action"' not in body
    assert 'id="panel-new-opportunity"' not in body
    assert "panel-select" not in body


def test_board_fragment_reloads_alone(client, agent, pn_busy_day, django_assert_max_num_queries):
    client.force_login(agent)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard:panel_board"), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="panel-board"')
    assert 'hx-trigger="panelChanged from:body"' in body
    assert "<html" not in body


def test_kpis_fragment_for_a_period(client, agent):
    client.force_login(agent)

    response = client.get(reverse("dashboard:panel_kpis"), {"period": "quarter"})

    body = response.content.decode()
    assert 'data-period="quarter"' in body
    assert 'hx-trigger="panelChanged from:body"' in body


def test_kpis_load_after_the_page_unless_a_period_is_asked_for(client, manager, team):
    client.force_login(manager)

    lazy = client.get(reverse("home"), {"team": team.pk}).content.decode()
    inline = client.get(reverse("home"), {"team": team.pk, "period": "month"}).content.decode()

    kpis_url = f"{reverse('dashboard:panel_kpis')}?team={team.pk}"
    assert f'hx-get="{kpis_url}" hx-trigger="load"' in lazy
    assert 'data-period="' not in lazy  # the figures themselves come with the fragment
    assert 'id="panel-kpis"' in inline and 'data-period="month"' in inline


def test_empty_panel_says_so(client, agent):
    client.force_login(agent)

    body = client.get(reverse("home")).content.decode()

    assert "Nothing overdue — well done." in body
    assert "Every open opportunity has a next step." in body


def test_needing_attention_rows_show_their_reasons(client, agent, make_case):
    case = make_case(subject="stale one", expected_close_date=timezone.localdate() - D)
    Case.objects.filter(pk=case.pk).update(status_since=timezone.now() - 60 * D)
    client.force_login(agent)

    body = client.get(reverse("home")).content.decode()

    assert 'data-reason="no_action"' in body
    assert 'data-reason="close_date_passed"' in body
    assert 'data-reason="stuck"' in body


# --- Entity side panel --------------------------------------------------------------------------


def test_entity_summary_of_a_visible_entity(
    client, agent, entity, contact, pn_action, make_case, django_assert_max_num_queries
):
    pn_action(timezone.now() + D, subject="next visit")
    make_case(subject="big deal")
    client.force_login(agent)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard:panel_entity", args=[entity.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme Trading SL" in body
    assert "Carmen Ruiz" in body
    assert "next visit" in body
    assert "big deal" in body
    assert entity.get_absolute_url() in body


def test_entity_summary_of_an_invisible_entity_is_404(client, agent, other_entity):
    client.force_login(agent)

    response = client.get(reverse("dashboard:panel_entity", args=[other_entity.pk]))

    assert response.status_code == 404


def test_panel_needs_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Workload fragment --------------------------------------------------------------------------


def test_workload_fragment_for_a_manager(
    client, manager, agent, team, pn_busy_day, django_assert_max_num_queries
):
    client.force_login(manager)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:panel_workload"), {"team": team.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-member-id="{agent.pk}"' in body
    # The agent's four overdue actions, as a link to the agent's panel.
    overdue_cell = (
        '<td class="text-end" data-column="overdue"><a class="panel-workload-count '
        f'text-danger fw-semibold" href="?member={agent.pk}">4</a></td>'
    )
    assert overdue_cell in body
    assert "Nobody yet (team)" in body


def test_workload_fragment_is_refused_to_agents_and_other_teams(
    client, agent, manager, team, other_team
):
    client.force_login(agent)
    assert client.get(reverse("dashboard:panel_workload"), {"team": team.pk}).status_code == 403
    client.force_login(manager)
    response = client.get(reverse("dashboard:panel_workload"), {"team": other_team.pk})
    assert response.status_code == 403
