"""Sales targets: who may set them, validation, all-or-nothing saves, history, the grid page."""

from __future__ import annotations

import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from relata.dashboard import services
from relata.dashboard.analysis_targets import target_agents, target_grid
from relata.dashboard.models import SalesTarget

D = decimal.Decimal


def amounts(agent, year=2027):
    return dict(SalesTarget.objects.filter(user=agent, year=year).values_list("month", "amount"))


# --- Services ---------------------------------------------------------------------------


def test_manager_sets_a_team_members_target_with_history(manager, agent):
    target = services.target_set(user=manager, agent=agent, year=2027, month=3, amount="1500.5")

    assert target.amount == D("1500.50")
    assert target.set_by == manager
    history = list(target.history.all())
    assert len(history) == 1 and history[0].history_user == manager


def test_setting_again_updates_and_empty_deletes(manager, agent):
    services.target_set(user=manager, agent=agent, year=2027, month=3, amount="100")
    services.target_set(user=manager, agent=agent, year=2027, month=3, amount="250.00")
    assert amounts(agent) == {3: D("250.00")}

    result = services.target_set(user=manager, agent=agent, year=2027, month=3, amount="")

    assert result is None
    assert amounts(agent) == {}
    assert [h.history_type for h in SalesTarget.history.filter(user_id=agent.pk)] == ["-", "~", "+"]


def test_manager_sets_their_own_targets(manager):
    services.target_set(user=manager, agent=manager, year=2027, month=1, amount="10")

    assert amounts(manager) == {1: D("10.00")}


def test_administrator_sets_anyone(admin_user, other_agent):
    services.target_set(user=admin_user, agent=other_agent, year=2027, month=12, amount="0")

    assert amounts(other_agent) == {12: D("0.00")}


def test_manager_cannot_set_someone_outside_their_teams(manager, other_agent):
    with pytest.raises(PermissionDenied):
        services.target_set(user=manager, agent=other_agent, year=2027, month=1, amount="10")

    assert amounts(other_agent) == {}


@pytest.mark.parametrize("who", ["agent", "reader"])
def test_agents_and_readers_cannot_set_targets(request, who, agent):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.target_set(user=user, agent=agent, year=2027, month=1, amount="10")

    assert amounts(agent) == {}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"month": 13, "amount": "1"}, "month"),
        ({"month": 0, "amount": "1"}, "month"),
        ({"month": 1, "amount": "-1"}, "amount"),
        ({"month": 1, "amount": "1.005"}, "amount"),
        ({"month": 1, "amount": "abc"}, "amount"),
        ({"month": 1, "amount": "1e20"}, "amount"),
    ],
)
def test_validation_errors_name_the_field(manager, agent, kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.target_set(user=manager, agent=agent, year=2027, **kwargs)

    assert list(error.value.message_dict) == [field]
    assert amounts(agent) == {}


def test_year_out_of_range_is_refused(manager, agent):
    with pytest.raises(ValidationError) as error:
        services.target_set(user=manager, agent=agent, year=1999, month=1, amount="1")

    assert "year" in error.value.message_dict


def test_set_year_is_all_or_nothing(manager, agent):
    services.target_set(user=manager, agent=agent, year=2027, month=1, amount="5")

    with pytest.raises(ValidationError) as error:
        services.targets_set_year(
            user=manager, agent=agent, year=2027, amounts={1: None, 2: "20", 3: "-3"}
        )

    assert list(error.value.message_dict) == ["3"]
    assert amounts(agent) == {1: D("5.00")}


def test_set_year_writes_and_deletes(manager, agent):
    services.target_set(user=manager, agent=agent, year=2027, month=1, amount="5")

    changed = services.targets_set_year(
        user=manager, agent=agent, year=2027, amounts={1: None, 2: D("20"), 3: "30.10", 4: ""}
    )

    assert changed == 3
    assert amounts(agent) == {2: D("20.00"), 3: D("30.10")}


def test_grid_refuses_whole_grid_for_one_forbidden_agent(manager, agent, other_agent):
    with pytest.raises(PermissionDenied):
        services.targets_set_grid(
            user=manager, year=2027, grid={agent: {1: "1"}, other_agent: {1: "1"}}
        )

    assert amounts(agent) == {}


def test_grid_errors_are_keyed_by_agent_and_month(manager, agent):
    with pytest.raises(ValidationError) as error:
        services.targets_set_grid(
            user=manager, year=2027, grid={agent: {1: "1", 2: "-2"}, manager: {5: "x"}}
        )

    assert set(error.value.message_dict) == {f"{agent.pk}-2", f"{manager.pk}-5"}
    assert amounts(agent) == {} and amounts(manager) == {}


# --- Selectors --------------------------------------------------------------------------


def test_who_sees_whose_targets(admin_user, manager, agent, other_agent, reader, team):
    assert set(target_agents(user=admin_user)) == {manager, agent, other_agent}
    assert set(target_agents(user=manager)) == {manager, agent}
    assert set(target_agents(user=agent)) == {agent}
    assert set(target_agents(user=reader)) == {manager, agent}
    assert set(target_agents(user=admin_user, team=team)) == {manager, agent}


def test_grid_rows_with_quarters_and_total(manager, agent):
    services.targets_set_year(
        user=manager, agent=agent, year=2027, amounts={1: "100", 2: "50.50", 4: "10", 12: "1"}
    )

    rows = {r.agent: r for r in target_grid(user=manager, year=2027)}

    assert rows[agent].quarters == [D("150.50"), D("10.00"), D("0.00"), D("1.00")]
    assert rows[agent].total == D("161.50")
    assert rows[agent].editable and rows[manager].editable


# --- The page ---------------------------------------------------------------------------


def url(**query):
    return reverse("dashboard:targets") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_page_shows_the_grid_to_a_manager(client, manager, agent, django_assert_max_num_queries):
    services.target_set(user=manager, agent=agent, year=2027, month=2, amount="1234.5")
    client.force_login(manager)

    with django_assert_max_num_queries(15):
        response = client.get(url(year=2027))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="t-{agent.pk}-2"' in html
    assert 'value="1234.50"' in html
    assert 'id="targets-save"' in html


def test_agent_sees_own_targets_read_only(client, manager, agent):
    services.target_set(user=manager, agent=agent, year=2027, month=2, amount="99")
    client.force_login(agent)

    response = client.get(url(year=2027))

    html = response.content.decode()
    assert response.status_code == 200
    assert "99.00" in html
    assert '<input type="number"' not in html
    assert 'id="targets-save"' not in html
    assert [r["row"].agent for r in response.context["rows"]] == [agent]


def test_manager_saves_the_grid(client, manager, agent):
    client.force_login(manager)
    data = {f"t-{agent.pk}-{m}": "100" for m in range(1, 13)}
    data[f"t-{manager.pk}-6"] = "7.5"

    response = client.post(url(year=2027), data)

    assert response.status_code == 302
    assert amounts(agent) == {m: D("100.00") for m in range(1, 13)}
    assert amounts(manager) == {6: D("7.50")}


def test_grid_with_an_error_saves_nothing_and_marks_the_cell(client, manager, agent):
    client.force_login(manager)
    data = {f"t-{agent.pk}-1": "100", f"t-{agent.pk}-2": "-5", f"t-{manager.pk}-3": "1.234"}

    response = client.post(url(year=2027), data)

    assert response.status_code == 200
    assert amounts(agent) == {} and amounts(manager) == {}
    html = response.content.decode()
    assert 'id="targets-errors"' in html
    assert f'id="err_t-{agent.pk}-2"' in html
    assert f'id="err_t-{manager.pk}-3"' in html
    assert 'value="100"' in html  # what was typed stays


def test_agent_cannot_post_targets(client, agent):
    client.force_login(agent)

    response = client.post(url(year=2027), {f"t-{agent.pk}-1": "100"})

    assert response.status_code == 403
    assert amounts(agent) == {}


def test_reader_views_but_cannot_post(client, reader, manager, agent):
    client.force_login(reader)

    assert client.get(url(year=2027)).status_code == 200
    response = client.post(url(year=2027), {f"t-{agent.pk}-1": "100"})

    assert response.status_code == 403
    assert amounts(agent) == {}


def test_manager_cannot_post_for_someone_outside_their_teams(client, manager, agent, other_agent):
    client.force_login(manager)

    response = client.post(
        url(year=2027), {f"t-{agent.pk}-1": "100", f"t-{other_agent.pk}-1": "100"}
    )

    assert response.status_code == 403
    assert amounts(agent) == {} and amounts(other_agent) == {}


def test_empty_state_when_no_agents(client, admin_user, other_team):
    client.force_login(admin_user)

    response = client.get(url(year=2027, team=other_team.pk))

    assert response.status_code == 200
    assert "No agents" in response.content.decode()
