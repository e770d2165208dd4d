"""The pipeline board: columns, counts and totals, filters, permissions, fragments."""

from __future__ import annotations

import datetime
import decimal
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from relata.campaigns.models import Campaign
from relata.cases.forms_move import period_range
from relata.cases.models import Case
from relata.cases.views.board import CARDS_PER_COLUMN

pytestmark = pytest.mark.django_db

OPPORTUNITY_CODES = [
    "identifying_needs",
    "presenting_solutions",
    "decision",
    "decision_postponed",
    "won",
    "lost",
]


def put(case, status):
    """Put ``case`` in ``status`` directly (the move rules are tested elsewhere)."""
    Case.objects.filter(pk=case.pk).update(status=status)


def columns_by_code(response):
    return {c.status.code: c for c in response.context["columns"]}


def test_board_default_is_the_opportunity_type_with_a_column_per_status(client, agent, make_case):
    make_case(amount=decimal.Decimal("100"))
    client.force_login(agent)
    response = client.get(reverse("cases:board"))
    assert response.status_code == 200
    assert response.context["case_type"].code == "opportunity"
    html = response.content.decode()
    assert re.findall(r'data-status-code="([a-z_]+)"', html)[:6] == OPPORTUNITY_CODES
    assert html.count('data-case-id="') == 1
    # Every type is offered in the switcher.
    for code in ("opportunity", "lead", "complaint", "incident", "service_request"):
        assert f'data-type-code="{code}"' in html


def test_counts_and_totals_per_column(client, agent, make_case, statuses):
    make_case(amount=decimal.Decimal("1234.50"))
    make_case(amount=decimal.Decimal("1000"))
    third = make_case(amount=decimal.Decimal("500"), subject="Pumps")
    put(third, statuses("opportunity", "decision"))
    client.force_login(agent)
    response = client.get(reverse("cases:board_type", args=["opportunity"]))
    columns = columns_by_code(response)
    assert columns["identifying_needs"].count == 2
    assert columns["identifying_needs"].total_text == "€2,235"
    assert columns["decision"].count == 1
    assert [c.subject for c in columns["decision"].cards] == ["Pumps"]
    assert columns["won"].count == 0
    html = response.content.decode()
    assert "€2,235" in html
    assert "€1,234.50" in html  # the card's own amount, with cents


def test_totals_follow_the_language(client, agent, make_case):
    make_case(amount=decimal.Decimal("12345.60"))
    client.force_login(agent)
    response = client.get(reverse("cases:board"), HTTP_ACCEPT_LANGUAGE="es")
    columns = columns_by_code(response)
    assert columns["identifying_needs"].total_text == "12.346\xa0€"


def test_an_agent_does_not_count_other_teams_cases(
    client, agent, admin_user, other_agent, other_entity, make_case
):
    make_case(amount=decimal.Decimal("10"))
    make_case(user=other_agent, entity=other_entity, amount=decimal.Decimal("90"))
    client.force_login(agent)
    columns = columns_by_code(client.get(reverse("cases:board")))
    assert columns["identifying_needs"].count == 1
    assert columns["identifying_needs"].total_text == "€10"
    client.force_login(admin_user)
    columns = columns_by_code(client.get(reverse("cases:board")))
    assert columns["identifying_needs"].count == 2
    assert columns["identifying_needs"].total_text == "€100"


def test_owner_filters(client, agent, manager, make_case, team):
    mine = make_case(subject="Mine")
    make_case(user=manager, subject="Manager's")
    unowned = make_case(user=manager, subject="Nobody's")
    Case.objects.filter(pk=unowned.pk).update(owner=None, team=team)
    client.force_login(agent)
    url = reverse("cases:board")

    def subjects(query):
        columns = client.get(url, query).context["columns"]
        return sorted(c.subject for column in columns for c in column.cards)

    assert subjects({}) == ["Manager's", "Mine", "Nobody's"]
    assert subjects({"owner": "me"}) == [mine.subject]
    assert subjects({"owner": "none"}) == ["Nobody's"]
    assert subjects({"owner": str(manager.pk)}) == ["Manager's"]
    # A mistyped owner is ignored, not an error page.
    assert subjects({"owner": "nobody-like-this"}) == ["Manager's", "Mine", "Nobody's"]


def test_team_campaign_and_period_filters(client, admin_user, make_case, other_team):
    campaign = Campaign.objects.create(code="spring", name="Spring fair")
    today = timezone.localdate()
    this_month = make_case(subject="This month", expected_close_date=today)
    later = make_case(
        subject="Later", expected_close_date=today + datetime.timedelta(days=200), campaign=campaign
    )
    Case.objects.filter(pk=later.pk).update(team=other_team)
    client.force_login(admin_user)
    url = reverse("cases:board")

    def subjects(query):
        columns = client.get(url, query).context["columns"]
        return sorted(c.subject for column in columns for c in column.cards)

    assert subjects({"team": other_team.pk}) == ["Later"]
    assert subjects({"campaign": campaign.pk}) == ["Later"]
    assert subjects({"period": "this_month"}) == [this_month.subject]
    custom = {
        "period": "custom",
        "close_from": (today + datetime.timedelta(days=100)).isoformat(),
        "close_to": (today + datetime.timedelta(days=300)).isoformat(),
    }
    assert subjects(custom) == ["Later"]


def test_period_ranges():
    day = datetime.date(2026, 11, 28)
    assert period_range("this_month", day) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
    )
    assert period_range("next_month", day) == (
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 31),
    )
    assert period_range("this_quarter", day) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert period_range("next_quarter", day) == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 3, 31),
    )


def test_cards_link_to_the_case_and_show_its_fields(client, agent, make_case, contact):
    case = make_case(
        amount=decimal.Decimal("250"),
        expected_close_date=datetime.date(2031, 3, 14),
        subject="Boiler renewal",
    )
    client.force_login(agent)
    html = client.get(reverse("cases:board")).content.decode()
    card = html[html.index(f'data-case-id="{case.pk}"') :]
    card = card[: card.index("</li>")]
    assert case.number in card
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in card
    assert "Boiler renewal" in card
    assert "Acme Trading SL" in card
    assert "€250.00" in card
    assert "14 Mar 31" in card
    assert str(agent) in card
    assert 'data-movable="1"' in card
    assert f'href="{reverse("cases:move", args=[case.pk])}"' in card


def test_a_reader_sees_cards_that_cannot_be_dragged(client, reader, make_case):
    case = make_case()
    client.force_login(reader)
    html = client.get(reverse("cases:board")).content.decode()
    assert f'data-case-id="{case.pk}"' in html
    assert "data-movable" not in html


def test_more_link_to_the_filtered_list(client, admin_user, make_case, statuses):
    first = make_case()
    status = statuses("opportunity", "identifying_needs")
    Case.objects.bulk_create(
        Case(
            number=f"BULK-{i}",
            case_type=first.case_type,
            entity=first.entity,
            status=status,
            subject=f"Bulk {i}",
            owner=first.owner,
            team=first.team,
        )
        for i in range(25)
    )
    client.force_login(admin_user)
    response = client.get(reverse("cases:board"), {"owner": str(first.owner_id)})
    column = columns_by_code(response)["identifying_needs"]
    assert column.count == 26
    assert len(column.cards) == CARDS_PER_COLUMN == 12
    assert column.more == 14
    assert column.more_url == (
        f"{reverse('cases:list')}?case_type={first.case_type_id}&status={status.pk}"
        f"&owner={first.owner_id}"
    )
    assert "14 more" in response.content.decode()


def test_empty_states(client, agent, make_case):
    client.force_login(agent)
    html = client.get(reverse("cases:board_type", args=["complaint"])).content.decode()
    assert "No cases of the type “Complaint” yet" in html
    assert "data-status-code" not in html
    make_case(case_type="complaint")
    html = client.get(
        reverse("cases:board_type", args=["complaint"]), {"owner": "none"}
    ).content.decode()
    assert "No cases match" in html


def test_unknown_type_is_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("cases:board_type", args=["nothing"])).status_code == 404


def test_board_needs_login(client):
    response = client.get(reverse("cases:board"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_htmx_refresh_returns_the_columns_only(client, agent, make_case):
    case = make_case()
    client.force_login(agent)
    response = client.get(
        reverse("cases:board_type", args=["opportunity"]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="board"')
    assert "<html" not in html
    assert f'data-case-id="{case.pk}"' in html


def test_board_queries_do_not_grow_with_cards(
    client, agent, make_case, django_assert_max_num_queries
):
    for i in range(6):
        make_case(subject=f"Case {i}")
    client.force_login(agent)
    client.get(reverse("cases:board"))  # warm the caches (parameters, content types)
    with django_assert_max_num_queries(25):
        client.get(reverse("cases:board"))
