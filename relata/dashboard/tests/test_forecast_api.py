"""GET /api/v1/forecast/: the same figures as the selectors, and its errors."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from relata.dashboard.forecast import ForecastFilters, pipeline_groups
from relata.dashboard.forecast_categories import forecast_categories

pytestmark = pytest.mark.django_db
URL = "api-forecast"
RANGE = {"close_from": "2031-01-01", "close_to": "2031-06-30"}


def test_api_returns_the_selectors_figures(api_client, fc_data, agent):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse(URL), {"group_by": "agent", **RANGE})

    assert response.status_code == 200, response.json()
    body = response.json()
    filters = ForecastFilters(
        close_from=datetime.date(2031, 1, 1), close_to=datetime.date(2031, 6, 30)
    )
    pipeline = pipeline_groups(user=agent, filters=filters, group_by="agent")
    assert body["group_by"] == "agent"
    assert body["currency"] == "EUR"
    assert body["groups"] == [
        {
            "key": g.key,
            "label": g.label,
            "count": g.count,
            "amount": f"{g.amount:.2f}",
            "weighted": f"{g.weighted:.2f}",
        }
        for g in pipeline.groups
    ]
    # By hand: M2 (no date) is out of the range.
    assert body["totals"] == {"count": 5, "amount": "2081.48", "weighted": "752.05"}
    categories = forecast_categories(user=agent, filters=filters, period_by="quarter")
    assert [c["period"] for c in body["categories"]] == [p.key for p in categories.periods]
    assert body["categories"][0] == {
        "period": "2031-Q1",
        "label": "Q1 2031",
        "start": "2031-01-01",
        "end": "2031-03-31",
        "won": "400.00",
        "committed": "333.33",
        "best_case": "0.00",
        "pipeline": "1048.10",
        "target": "450.00",
        "gap": "50.00",
        "attainment": "88.90",
        "open_count": 3,
    }
    assert [a["label"] for a in body["agents"]] == ["Alex", "Maria", "Unassigned"]
    assert body["agents"][0]["agent"] == agent.pk and body["agents"][2]["agent"] is None


def test_api_filters_and_month_periods(api_client, fc_data, agent):
    api_client.force_authenticate(agent)

    body = api_client.get(
        reverse(URL),
        {
            "group_by": "month",
            "campaign": fc_data.campaign.pk,
            "owner": "me",
            "period_by": "month",
            **RANGE,
        },
    ).json()

    assert body["groups"] == [
        {
            "key": "2031-01",
            "label": "January 2031",
            "count": 1,
            "amount": "1000.00",
            "weighted": "100.00",
        },
    ]
    assert len(body["categories"]) == 6
    # Targets follow the agent filter: the agent's own (100 in January).
    assert body["categories"][0]["target"] == "100.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "weekday"}, "group_by"),
        ({"team": "abc"}, "team"),
        ({"close_from": "yesterday"}, "close_from"),
        ({"owner": "999999"}, "owner"),
        ({"preset": "someday"}, "preset"),
        ({"period_by": "week"}, "period_by"),
        ({"close_from": "2031-01-01", "close_to": "2040-01-01", "period_by": "month"}, "close_to"),
    ],
)
def test_api_refuses_bad_parameters(api_client, agent, params, field):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse(URL), params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert body["detail"] == body["errors"][field][0]


def test_api_case_type_must_be_an_opportunity_type(api_client, agent, case_types):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse(URL), {"case_type": case_types["lead"].pk})

    assert response.status_code == 400 and "case_type" in response.json()["errors"]
    ok = api_client.get(reverse(URL), {"case_type": case_types["opportunity"].pk})
    assert ok.status_code == 200


def test_api_scope_reader_and_anonymous(api_client, fc_data, reader, other_agent):
    assert api_client.get(reverse(URL)).status_code == 401

    api_client.force_authenticate(reader)
    assert api_client.get(reverse(URL)).json()["totals"]["count"] == 6
    api_client.force_authenticate(other_agent)
    assert api_client.get(reverse(URL)).json()["totals"] == {
        "count": 1,
        "amount": "7000.00",
        "weighted": "4200.00",
    }


def test_api_preset_fills_the_close_dates(api_client, fc_data, agent, make_case, statuses):
    today = timezone.localdate()
    make_case(
        subject="Closing this month",
        amount=decimal.Decimal("10.00"),
        expected_close_date=today,
        status=statuses("opportunity", "decision"),
    )
    api_client.force_authenticate(agent)

    body = api_client.get(reverse(URL), {"preset": "this_month", "close_from": "2031-01-01"}).json()

    # The preset replaces the dates: only the case closing this month (60 % of 10.00).
    assert body["totals"] == {"count": 1, "amount": "10.00", "weighted": "6.00"}
    assert body["start"] == today.replace(day=1).isoformat()
    assert [c["period"] for c in body["categories"]] == [
        f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    ]
    assert body["categories"][0]["best_case"] == "10.00"
