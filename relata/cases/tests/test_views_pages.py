"""Case pages through the test client: the list (filters, sorting, pagination,
permissions, query count), the detail page, reassignment and the entity page's panel."""

from __future__ import annotations

import decimal

import pytest
from django.urls import reverse

from relata.cases import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_case(other_agent, other_entity, case_types):
    """A case of ``other_team``: invisible to ``agent``, ``manager`` and ``reader``."""
    return services.case_create(
        user=other_agent,
        data={"case_type": case_types["complaint"], "entity": other_entity, "subject": "Broken"},
    )


def numbers(response) -> list[str]:
    return [case.number for case in response.context["page_obj"]]


# --- List ---------------------------------------------------------------------------------


def test_list_shows_open_visible_cases_only_by_default(
    client, agent, make_case, other_case, statuses
):
    open_case = make_case(subject="Renewal")
    won = make_case(subject="Signed", amount=decimal.Decimal("10"))
    services.case_move(user=agent, case=won, status=statuses("opportunity", "won"))
    client.force_login(agent)

    response = client.get(reverse("cases:list"))

    assert response.status_code == 200
    assert numbers(response) == [open_case.number]
    assert other_case.number not in response.content.decode()
    assert "Broken" not in response.content.decode()


def test_list_all_shows_closed_too(client, agent, make_case, statuses):
    open_case = make_case(subject="Renewal")
    won = make_case(subject="Signed", amount=decimal.Decimal("10"))
    services.case_move(user=agent, case=won, status=statuses("opportunity", "won"))
    client.force_login(agent)

    response = client.get(reverse("cases:list"), {"open": "0", "sort": "number"})

    assert numbers(response) == [open_case.number, won.number]


def test_list_status_filter_from_the_board_includes_closed_statuses(
    client, agent, make_case, statuses, case_types
):
    make_case(subject="Renewal")
    won = make_case(subject="Signed", amount=decimal.Decimal("10"))
    services.case_move(user=agent, case=won, status=statuses("opportunity", "won"))
    client.force_login(agent)

    response = client.get(
        reverse("cases:list"),
        {"case_type": case_types["opportunity"].pk, "status": statuses("opportunity", "won").pk},
    )

    assert numbers(response) == [won.number]


def test_list_filters_by_type_owner_entity_campaign_and_search(
    client, agent, manager, make_case, make_entity, team, case_types
):
    from relata.campaigns.models import Campaign

    spring = Campaign.objects.create(code="spring", name="Spring")
    opportunity = make_case(subject="Renewal", campaign=spring)
    complaint = make_case(case_type="complaint", subject="Late delivery")
    other_entity = make_entity(agent, team, "Zephyr Foods SL")
    theirs = make_case(subject="New line", entity=other_entity, user=manager)
    client.force_login(agent)
    url = reverse("cases:list")

    by_type = client.get(url, {"case_type": case_types["complaint"].pk})
    by_owner_me = client.get(url, {"owner": "me", "sort": "number"})
    by_owner_user = client.get(url, {"owner": manager.pk})
    by_entity = client.get(url, {"entity": other_entity.pk})
    by_campaign = client.get(url, {"campaign": spring.pk})
    by_search_subject = client.get(url, {"q": "late deliv"})
    by_search_entity = client.get(url, {"q": "zephyr"})
    by_search_number = client.get(url, {"q": complaint.number})

    assert numbers(by_type) == [complaint.number]
    assert numbers(by_owner_me) == [complaint.number, opportunity.number]
    assert numbers(by_owner_user) == [theirs.number]
    assert numbers(by_entity) == [theirs.number]
    assert numbers(by_campaign) == [opportunity.number]
    assert numbers(by_search_subject) == [complaint.number]
    assert numbers(by_search_entity) == [theirs.number]
    assert numbers(by_search_number) == [complaint.number]


def test_list_owner_none_and_team_filters(client, manager, make_case, team, other_team):
    unowned = make_case(user=manager, owner=None, team=team, subject="Team job")
    make_case(user=manager, subject="Maria's")
    client.force_login(manager)

    nobody = client.get(reverse("cases:list"), {"owner": "none"})
    by_team = client.get(reverse("cases:list"), {"team": team.pk, "sort": "subject"})

    assert numbers(nobody) == [unowned.number]
    assert [c.subject for c in by_team.context["page_obj"]] == ["Maria's", "Team job"]


def test_list_entity_out_of_reach_matches_nothing(client, agent, make_case, other_entity):
    make_case()
    client.force_login(agent)

    response = client.get(reverse("cases:list"), {"entity": other_entity.pk})

    assert numbers(response) == []


def test_list_status_choices_follow_the_chosen_type(client, agent, case_types, statuses):
    client.force_login(agent)

    response = client.get(reverse("cases:list"), {"case_type": case_types["complaint"].pk})

    choices = [value for value, _label in response.context["form"].fields["status"].choices]
    assert statuses("complaint", "received").pk in [getattr(v, "value", v) for v in choices]
    assert statuses("opportunity", "won").pk not in [getattr(v, "value", v) for v in choices]


def test_list_sorts_by_amount_both_ways(client, agent, make_case):
    small = make_case(subject="Small", amount=decimal.Decimal("100"))
    big = make_case(subject="Big", amount=decimal.Decimal("900"))
    client.force_login(agent)

    up = client.get(reverse("cases:list"), {"sort": "amount"})
    down = client.get(reverse("cases:list"), {"sort": "-amount"})

    assert numbers(up) == [small.number, big.number]
    assert numbers(down) == [big.number, small.number]


def test_list_paginates(client, agent, make_case):
    created = [make_case(subject=f"Case {i:02d}") for i in range(27)]
    client.force_login(agent)

    first = client.get(reverse("cases:list"), {"sort": "number"})
    second = client.get(reverse("cases:list"), {"sort": "number", "page": 2})

    assert len(first.context["page_obj"]) == 25
    assert numbers(second) == [case.number for case in created[25:]]


def test_list_query_count_does_not_grow_with_rows(
    client, agent, make_case, contact, django_assert_max_num_queries
):
    for i in range(3):
        make_case(subject=f"Case {i}", contact=contact)
    client.force_login(agent)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("cases:list"))
    for i in range(20):
        make_case(subject=f"More {i}", contact=contact)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("cases:list"))

    assert len(response.context["page_obj"]) == 23


def test_list_htmx_returns_the_rows_only(client, agent, make_case):
    make_case(subject="Renewal")
    client.force_login(agent)

    response = client.get(
        reverse("cases:list"), {"q": "renew"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-rows"
    )

    body = response.content.decode()
    assert "Renewal" in body
    assert "<html" not in body
    assert 'id="status-filter" hx-swap-oob="true"' in body


def test_list_empty_state_offers_a_new_case(client, agent):
    client.force_login(agent)

    response = client.get(reverse("cases:list"))

    assert "No open cases" in response.content.decode()
    assert reverse("cases:create") in response.content.decode()


# --- Detail -------------------------------------------------------------------------------


def test_detail_shows_the_case(client, agent, make_case, contact):
    case = make_case(subject="Renewal", contact=contact, amount=decimal.Decimal("1000"))
    client.force_login(agent)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert case.number in body
    assert "Carmen Ruiz" in body
    assert reverse("cases:move", args=[case.pk]) in body
    assert reverse("cases:edit", args=[case.pk]) in body
    # Identifying needs: 10 % by default → 100.00 weighted.
    assert response.context["weighted_amount"] == decimal.Decimal("100.00")
    assert "default from status" in body
    assert [row["change"].to_status.code for row in response.context["history"]] == [
        "identifying_needs"
    ]


def test_detail_of_invisible_case_is_404(client, agent, other_case):
    client.force_login(agent)

    response = client.get(reverse("cases:detail", args=[other_case.pk]))

    assert response.status_code == 404


def test_detail_for_reader_has_no_change_buttons(client, reader, make_case):
    case = make_case()
    client.force_login(reader)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    assert reverse("cases:edit", args=[case.pk]) not in response.content.decode()
    assert 'id="document-form"' not in response.content.decode()


def test_detail_shows_status_history_with_time_spent(client, agent, make_case, statuses):
    case = make_case()
    services.case_move(user=agent, case=case, status=statuses("opportunity", "decision"))
    client.force_login(agent)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    history = response.context["history"]
    assert [row["change"].to_status.code for row in history] == ["decision", "identifying_needs"]
    assert history[0]["is_current"] is True
    assert history[1]["spent"] == "less than a minute"


# --- Reassign -----------------------------------------------------------------------------


def test_manager_reassigns_a_case(client, manager, agent, make_case):
    case = make_case(user=manager, subject="Hand over")
    client.force_login(manager)

    response = client.post(reverse("cases:reassign", args=[case.pk]), {"owner": agent.pk})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == agent


def test_reader_cannot_reassign(client, reader, make_case, agent):
    case = make_case()
    client.force_login(reader)

    response = client.post(reverse("cases:reassign", args=[case.pk]), {"owner": reader.pk})

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.owner == agent


def test_reassign_of_invisible_case_is_404(client, agent, other_case):
    client.force_login(agent)

    response = client.get(reverse("cases:reassign", args=[other_case.pk]))

    assert response.status_code == 404


# --- Entity panel -------------------------------------------------------------------------


def test_entity_panel_lists_the_entity_cases_open_first(
    client, agent, make_case, entity, statuses, other_case
):
    won = make_case(subject="Signed deal", amount=decimal.Decimal("50"))
    services.case_move(user=agent, case=won, status=statuses("opportunity", "won"))
    open_case = make_case(subject="Next deal")
    client.force_login(agent)

    response = client.get(entity.get_absolute_url())

    body = response.content.decode()
    assert 'id="cases-panel"' in body
    assert body.index("Next deal") < body.index("Signed deal")
    assert f"{reverse('cases:create')}?entity={entity.pk}&amp;case_type=opportunity" in body
    assert other_case.subject not in body
    assert open_case.number in body


def test_entity_panel_has_no_create_buttons_for_readers(client, reader, entity):
    client.force_login(reader)

    response = client.get(entity.get_absolute_url())

    assert 'id="cases-panel"' in response.content.decode()
    assert 'id="new-opportunity"' not in response.content.decode()
