"""The forecast's figures on the hand-built data set of ``fc_data`` (conftest.py).

Every expected value below is computed by hand from the data set; weighted amounts are
amount × effective probability / 100 summed per group, then rounded half-up to cents.
"""

from __future__ import annotations

import datetime
import decimal

import pytest

from relata.core.selectors import parameters_cache_clear
from relata.core.services import parameters_update
from relata.dashboard.forecast import (
    ForecastFilters,
    case_totals,
    group_q,
    period_bounds,
    pipeline_groups,
)
from relata.dashboard.forecast_categories import (
    category_range,
    drilldown_cases,
    forecast_categories,
    period_presets,
)

pytestmark = pytest.mark.django_db
D = decimal.Decimal
RANGE = {"close_from": datetime.date(2031, 1, 1), "close_to": datetime.date(2031, 6, 30)}


def table(user, group_by="status", **filters):
    pipeline = pipeline_groups(user=user, filters=ForecastFilters(**filters), group_by=group_by)
    rows = [(g.label, g.count, g.amount, g.weighted) for g in pipeline.groups]
    totals = pipeline.totals
    return rows, (totals.count, totals.amount, totals.weighted)


def test_by_status_weighted_sums_rounded_half_up_per_group(fc_data, agent):
    rows, totals = table(agent)

    assert rows == [
        # A1 1000.00 × 10 % = 100.00; T1 48.10 × 25 % = 12.025 → 112.025 → 112.03
        ("Identifying needs", 2, D("1048.10"), D("112.03")),
        # A3 200.05 × 45 % = 90.0225
        ("Presenting solutions", 1, D("200.05"), D("90.02")),
        # A2 333.33 × 75 % = 249.9975; M1 500.00 × 60 % = 300 → 549.9975
        ("Decision", 2, D("833.33"), D("550.00")),
        # M2 123.45 × 20 % = 24.69
        ("Decision postponed", 1, D("123.45"), D("24.69")),
    ]
    # 112.025 + 90.0225 + 549.9975 + 24.69 = 776.735 → 776.74 (not the sum of the rounded
    # groups, 776.74 here too, but summed before rounding).
    assert totals == (6, D("2204.93"), D("776.74"))


def test_by_agent_with_an_unassigned_group(fc_data, agent):
    rows, totals = table(agent, "agent")

    assert rows == [
        ("Alex", 3, D("1533.38"), D("440.02")),  # 100 + 249.9975 + 90.0225
        ("Maria", 2, D("623.45"), D("324.69")),  # 300 + 24.69
        ("Unassigned", 1, D("48.10"), D("12.03")),  # 12.025
    ]
    assert totals == (6, D("2204.93"), D("776.74"))


def test_by_team_with_a_no_team_group(fc_data, agent):
    rows, _totals = table(agent, "team")

    assert rows == [
        ("North", 5, D("2081.48"), D("752.05")),  # 776.735 − 24.69 = 752.045
        ("No team", 1, D("123.45"), D("24.69")),
    ]


def test_by_month_and_quarter_with_a_no_date_group(fc_data, agent):
    months, _totals = table(agent, "month")
    quarters, _totals = table(agent, "quarter")

    assert months == [
        ("January 2031", 1, D("1000.00"), D("100.00")),
        ("February 2031", 1, D("333.33"), D("250.00")),
        ("March 2031", 1, D("48.10"), D("12.03")),
        ("April 2031", 1, D("200.05"), D("90.02")),
        ("May 2031", 1, D("500.00"), D("300.00")),
        ("No date", 1, D("123.45"), D("24.69")),
    ]
    assert quarters == [
        ("Q1 2031", 3, D("1381.43"), D("362.02")),  # 100 + 249.9975 + 12.025 = 362.0225
        ("Q2 2031", 2, D("700.05"), D("390.02")),  # 90.0225 + 300
        ("No date", 1, D("123.45"), D("24.69")),
    ]
    pipeline = pipeline_groups(user=agent, filters=ForecastFilters(), group_by="quarter")
    assert [g.key for g in pipeline.groups] == ["2031-Q1", "2031-Q2", "none"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("campaign", (2, D("1500.00"), D("400.00"))),  # A1, M1
        ("f1", (1, D("1000.00"), D("100.00"))),  # A1 once, though two lines of F1
        ("f2", (1, D("200.05"), D("90.02"))),  # A3
        ("source", (1, D("333.33"), D("250.00"))),  # A2
        ("south_zone", (1, D("200.05"), D("90.02"))),  # A3's entity
        ("north_zone", (5, D("2004.88"), D("686.71"))),  # 776.735 − 90.0225 = 686.7125
        ("manager", (2, D("623.45"), D("324.69"))),
        ("team", (5, D("2081.48"), D("752.05"))),
        ("case_type", (6, D("2204.93"), D("776.74"))),
        ("dates", (3, D("581.48"), D("352.05"))),  # A2+T1+A3: 352.045, half-up
    ],
)
def test_each_filter(fc_data, agent, manager, team, case_types, name, expected):
    filters = {
        "campaign": {"campaign": fc_data.campaign.pk},
        "f1": {"family": fc_data.f1.pk},
        "f2": {"family": fc_data.f2.pk},
        "source": {"source": fc_data.source.pk},
        "south_zone": {"zone": fc_data.south_zone.pk},
        "north_zone": {"zone": fc_data.north_zone.pk},
        "manager": {"owner": manager.pk},
        "team": {"team": team.pk},
        "case_type": {"case_type": case_types["opportunity"].pk},
        "dates": {
            "close_from": datetime.date(2031, 2, 1),
            "close_to": datetime.date(2031, 4, 30),
        },
    }[name]

    _rows, totals = table(agent, "agent", **filters)

    assert totals == expected


def test_scope_agent_other_agent_manager_admin_reader(
    fc_data, agent, other_agent, manager, admin_user, reader
):
    assert table(other_agent)[0] == [("Decision", 1, D("7000.00"), D("4200.00"))]
    assert table(manager)[1] == (6, D("2204.93"), D("776.74"))
    assert table(reader)[1] == (6, D("2204.93"), D("776.74"))
    assert table(agent)[1] == (6, D("2204.93"), D("776.74"))  # not other_agent's 7000
    # The administrator sees everything: + O1 7000 × 60 % = 4200.
    assert table(admin_user)[1] == (7, D("9204.93"), D("4976.74"))
    assert ("Olga", 1, D("7000.00"), D("4200.00")) in table(admin_user, "agent")[0]


def test_a_won_case_leaves_the_pipeline(fc_data, agent, statuses):
    from relata.cases import services

    services.case_move(user=agent, case=fc_data.a2, status=statuses("opportunity", "won"))

    _rows, totals = table(agent)
    assert totals == (5, D("1871.60"), D("526.74"))  # 776.735 − 249.9975 = 526.7375


def cat_rows(categories):
    return [
        (
            p.key,
            p.won.amount,
            p.committed.amount,
            p.best_case.amount,
            p.pipeline.amount,
            p.target,
            p.gap,
            p.attainment,
        )
        for p in categories.periods
    ]


def test_categories_per_quarter_with_targets(fc_data, agent):
    categories = forecast_categories(
        user=agent, filters=ForecastFilters(**RANGE), period_by="quarter"
    )

    assert (categories.committed_from, categories.best_case_from) == (70, 40)
    assert cat_rows(categories) == [
        # Q1: committed A2 (75 %); pipeline A1 (10 %) + T1 (25 %); won W1; targets
        # agent 100 + 200, manager 150 (other_agent's 1000 is out of scope).
        (
            "2031-Q1",
            D("400.00"),
            D("333.33"),
            D("0.00"),
            D("1048.10"),
            D("450.00"),
            D("50.00"),
            D("88.9"),
        ),
        # Q2: best case A3 (45 %) + M1 (60 %); won W2 (1 April 00:30 in Madrid).
        (
            "2031-Q2",
            D("250.00"),
            D("0.00"),
            D("700.05"),
            D("0.00"),
            D("300.00"),
            D("50.00"),
            D("83.3"),
        ),
    ]
    assert categories.totals.won.amount == D("650.00")
    assert categories.totals.target == D("750.00")


def test_categories_move_with_the_thresholds(fc_data, agent, admin_user):
    parameters_update(
        user=admin_user,
        data={"forecast_committed_probability": 60, "forecast_best_case_probability": 30},
    )
    parameters_cache_clear()

    categories = forecast_categories(
        user=agent, filters=ForecastFilters(**RANGE), period_by="quarter"
    )

    q1, q2 = cat_rows(categories)
    assert q1[2:5] == (D("333.33"), D("0.00"), D("1048.10"))
    assert q2[2:5] == (D("500.00"), D("200.05"), D("0.00"))  # M1 at 60 % is now committed


def test_categories_per_month(fc_data, agent):
    categories = forecast_categories(
        user=agent, filters=ForecastFilters(**RANGE), period_by="month"
    )

    assert [(p.key, p.won.amount, p.target) for p in categories.periods] == [
        ("2031-01", D("0.00"), D("100.00")),
        ("2031-02", D("400.00"), D("200.00")),
        ("2031-03", D("0.00"), D("150.00")),
        ("2031-04", D("250.00"), D("300.00")),
        ("2031-05", D("0.00"), D("0.00")),
        ("2031-06", D("0.00"), D("0.00")),
    ]
    february = categories.periods[1]
    assert (february.gap, february.attainment) == (D("0.00"), D("200.0"))
    assert categories.periods[4].best_case.amount == D("500.00")
    assert categories.periods[4].attainment is None


def test_per_agent_table(fc_data, agent):
    categories = forecast_categories(
        user=agent, filters=ForecastFilters(**RANGE), period_by="quarter"
    )

    rows = [
        (
            a.label,
            a.won.amount,
            a.target,
            a.attainment,
            a.committed.amount,
            a.best_case.amount,
            a.pipeline.amount,
            a.open.count,
        )
        for a in categories.agents
    ]
    assert rows == [
        ("Alex", D("400.00"), D("600.00"), D("66.7"), D("333.33"), D("200.05"), D("1000.00"), 3),
        ("Maria", D("250.00"), D("150.00"), D("166.7"), D("0.00"), D("500.00"), D("0.00"), 1),
        ("Unassigned", D("0.00"), D("0.00"), None, D("0.00"), D("0.00"), D("48.10"), 1),
    ]
    assert categories.agents[1].gap == D("0.00")


def test_targets_of_the_scope(fc_data, agent, other_agent, admin_user, manager):
    def targets(user, **filters):
        categories = forecast_categories(
            user=user, filters=ForecastFilters(**RANGE, **filters), period_by="quarter"
        )
        return [p.target for p in categories.periods], categories.totals.won.amount

    # The administrator: everyone's targets, and other_agent's won O2 (900.00).
    assert targets(admin_user) == ([D("1450.00"), D("300.00")], D("1550.00"))
    assert targets(other_agent) == ([D("1000.00"), D("0.00")], D("900.00"))
    # One agent filtered: only theirs.
    assert targets(admin_user, owner=manager.pk) == ([D("150.00"), D("0.00")], D("250.00"))
    assert targets(agent, owner=agent.pk) == ([D("300.00"), D("300.00")], D("400.00"))


def test_category_range_defaults_to_this_quarter_and_the_next():
    today = datetime.date(2026, 11, 28)

    assert category_range(ForecastFilters(), today) == (
        datetime.date(2026, 10, 1),
        datetime.date(2027, 3, 31),
    )
    assert category_range(ForecastFilters(close_from=datetime.date(2031, 2, 3)), today) == (
        datetime.date(2031, 2, 3),
        datetime.date(2031, 6, 30),
    )


def test_period_presets():
    presets = period_presets(datetime.date(2026, 11, 28))

    assert presets == {
        "this_month": (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)),
        "this_quarter": (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        "next_quarter": (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)),
        "this_year": (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    }


def test_period_bounds_and_bad_keys():
    assert period_bounds("2031-Q1") == (datetime.date(2031, 1, 1), datetime.date(2031, 3, 31))
    assert period_bounds("2031-12") == (datetime.date(2031, 12, 1), datetime.date(2031, 12, 31))
    for key in ("2031-13", "2031-Q5", "x", "2031"):
        with pytest.raises(ValueError):
            period_bounds(key)
    for group_by, key in (("agent", "abc"), ("month", "2031-Q1"), ("nope", "1")):
        with pytest.raises(ValueError):
            group_q(group_by, key)


def test_drilldown_totals_equal_the_figures(fc_data, agent):
    filters = ForecastFilters(**RANGE)
    for group_by in ("status", "agent", "team", "month", "quarter"):
        pipeline = pipeline_groups(user=agent, filters=ForecastFilters(), group_by=group_by)
        for group in pipeline.groups:
            cases = drilldown_cases(
                user=agent, filters=ForecastFilters(), group_by=group_by, key=group.key
            )
            totals = case_totals(cases)
            assert (totals.count, totals.amount, totals.weighted) == (
                group.count,
                group.amount,
                group.weighted,
            ), (group_by, group.key)

    categories = forecast_categories(user=agent, filters=filters, period_by="quarter")
    for period in categories.periods:
        for name in ("won", "committed", "best_case", "pipeline"):
            cases = drilldown_cases(user=agent, filters=filters, category=name, period=period.key)
            assert case_totals(cases).amount == getattr(period, name).amount
    for row in categories.agents:
        cases = drilldown_cases(
            user=agent, filters=filters, group_by="agent", key=row.key, category="open"
        )
        assert case_totals(cases).count == row.open.count
    committed = drilldown_cases(user=agent, filters=filters, category="committed")
    assert [c.subject for c in committed] == ["A2"]
    won = drilldown_cases(user=agent, filters=filters, category="won", period="2031-Q2")
    assert [c.subject for c in won] == ["W2"]
