"""Conversion, time in status and win rates on the hand-built September 2026 data set
(``an_conversion`` in conftest.py): every expected figure below is computed by hand."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.urls import reverse

from relata.dashboard import analysis

D = decimal.Decimal
SEPTEMBER = analysis.Period(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
STAGES = ["identifying_needs", "presenting_solutions", "decision", "decision_postponed", "won"]


def filters(case_types, **extra):
    return analysis.Filters(case_type=case_types["opportunity"], period=SEPTEMBER, **extra)


def by_code(rows):
    return {row.status.code: row for row in rows}


def test_funnel_for_an_agent_counts_the_visible_cohort(an_conversion, agent, case_types):
    funnel = analysis.funnel(user=agent, filters=filters(case_types))

    # Cohort: c1..c5 and the manager's m (c7 was opened in August, c6 is invisible).
    assert funnel.cohort_count == 6
    assert [s.status.code for s in funnel.stages] == STAGES
    assert [s.reached for s in funnel.stages] == [6, 4, 3, 3, 3]
    assert [s.conversion for s in funnel.stages] == [
        D("66.7"),
        D("75.0"),
        D("100.0"),
        D("100.0"),
        None,
    ]
    assert [s.lost for s in funnel.stages] == [1, 1, 0, 0, 0]


def test_funnel_for_an_administrator_includes_every_team(an_conversion, admin_user, case_types):
    funnel = analysis.funnel(user=admin_user, filters=filters(case_types))

    assert funnel.cohort_count == 7
    assert [s.reached for s in funnel.stages] == [7, 5, 3, 3, 3]
    assert [s.lost for s in funnel.stages] == [1, 2, 0, 0, 0]
    assert funnel.stages[0].conversion == D("71.4")


def test_funnel_filtered_by_owner_me(an_conversion, agent, case_types):
    funnel = analysis.funnel(user=agent, filters=filters(case_types, owner=agent.pk))

    assert funnel.cohort_count == 5
    assert [s.reached for s in funnel.stages] == [5, 3, 2, 2, 2]
    assert [s.conversion for s in funnel.stages][:2] == [D("60.0"), D("66.7")]


def test_funnel_filtered_by_an_empty_period_is_zero(an_conversion, agent, case_types):
    period = analysis.Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    funnel = analysis.funnel(
        user=agent, filters=analysis.Filters(case_type=case_types["opportunity"], period=period)
    )

    assert funnel.cohort_count == 0
    assert [s.reached for s in funnel.stages] == [0, 0, 0, 0, 0]
    assert funnel.stages[0].conversion is None


def test_time_in_status_mean_median_and_count(an_conversion, agent, case_types):
    rows = by_code(analysis.time_in_status(user=agent, filters=filters(case_types)))

    # Out of IN in September: c1 2 d, c2 4 d, c3 10 d, c4 2 d, c7 13 d, m 2 d.
    assert rows["identifying_needs"].count == 6
    assert rows["identifying_needs"].mean_days == D("5.5")
    assert rows["identifying_needs"].median_days == D("3.0")
    # Out of PS: c1 5 d, c2 1 d, c7 2 d.
    assert rows["presenting_solutions"].count == 3
    assert rows["presenting_solutions"].mean_days == D("2.7")
    assert rows["presenting_solutions"].median_days == D("2.0")
    assert rows["presenting_solutions"].mean_seconds == pytest.approx(8 * 86400 / 3)
    # Out of DEC: c1 2 d, c4 8 d.
    assert (rows["decision"].count, rows["decision"].mean_days) == (2, D("5.0"))
    assert rows["decision_postponed"].count == 0
    assert rows["decision_postponed"].mean_days is None
    assert "won" not in rows


def test_win_rates_per_agent(an_conversion, agent, manager, case_types):
    results = analysis.win_rates(user=agent, filters=filters(case_types))

    assert [r.owner for r in results] == [agent, manager]
    mine = results[0]
    # Won c1 1000, c4 300, c7 700; lost c2, c3.
    assert (mine.won, mine.lost, mine.won_amount) == (3, 2, D("2000.00"))
    assert mine.win_rate == D("60.0")
    assert mine.average_deal == D("666.67")
    assert (results[1].won, results[1].lost, results[1].win_rate) == (1, 0, D("100.0"))
    assert results[1].average_deal == D("250.00")


def test_win_rates_of_an_administrator_include_other_teams(
    an_conversion, admin_user, other_agent, case_types
):
    results = {r.owner: r for r in analysis.win_rates(user=admin_user, filters=filters(case_types))}

    assert (results[other_agent].won, results[other_agent].lost) == (0, 1)
    assert results[other_agent].win_rate == D("0.0")
    assert results[other_agent].average_deal is None


def test_win_rates_of_other_agent_do_not_show_the_team_north(
    an_conversion, other_agent, case_types
):
    results = analysis.win_rates(user=other_agent, filters=filters(case_types))

    assert [(r.owner, r.won, r.lost) for r in results] == [(other_agent, 0, 1)]


def test_drilldown_querysets_match_the_figures(an_conversion, agent, case_types, statuses):
    f = filters(case_types)
    data = an_conversion

    def numbers(kind, status=None, **extra):
        qs = analysis.drilldown_cases(
            user=agent,
            filters=filters(case_types, **extra) if extra else f,
            kind=kind,
            status=statuses("opportunity", status) if status else None,
        )
        return sorted(qs.values_list("number", flat=True))

    def of(*cases):
        return sorted(c.number for c in cases)

    assert numbers("reached", "presenting_solutions") == of(data.c1, data.c2, data.c4, data.m)
    assert numbers("reached", "won") == of(data.c1, data.c4, data.m)
    assert numbers("lost", "identifying_needs") == of(data.c3)
    assert numbers("time", "decision") == of(data.c1, data.c4)
    assert numbers("won", owner=agent.pk) == of(data.c1, data.c4, data.c7)
    assert numbers("closed_lost") == of(data.c2, data.c3)
    assert len(numbers("cohort")) == 6


# --- The page ---------------------------------------------------------------------------


def page_url(**query):
    base = {"date_from": "2026-09-01", "date_to": "2026-09-30", **query}
    return reverse("dashboard:conversion") + "?" + "&".join(f"{k}={v}" for k, v in base.items())


def test_page_shows_the_figures_with_links(
    client, an_conversion, agent, django_assert_max_num_queries
):
    client.force_login(agent)

    with django_assert_max_num_queries(25):
        response = client.get(page_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "66.7 %" in html and "75.0 %" in html
    assert "666,67" in html or "666.67" in html
    assert reverse("dashboard:analysis_cases") + "?" in html
    assert 'data-chart="funnel-chart"' in html
    assert response.context["funnel"].cohort_count == 6


def test_page_defaults_to_the_last_90_days_and_the_first_opportunity_type(
    client, agent, case_types
):
    client.force_login(agent)

    response = client.get(reverse("dashboard:conversion"))

    assert response.status_code == 200
    chosen = response.context["filters"]
    assert chosen.case_type == case_types["opportunity"]
    assert (chosen.period.end - chosen.period.start).days == 89
    assert "No case opened in the period" in response.content.decode()


def test_page_requires_login(client):
    response = client.get(reverse("dashboard:conversion"))

    assert response.status_code == 302


def test_reader_sees_the_page(client, an_conversion, reader):
    client.force_login(reader)

    response = client.get(page_url())

    assert response.status_code == 200
    assert response.context["funnel"].cohort_count == 6


@pytest.mark.parametrize("table", ["funnel", "time", "agents"])
def test_exports_as_csv(client, an_conversion, agent, table):
    client.force_login(agent)

    response = client.get(page_url(export=table, format="csv"))

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    if table == "funnel":
        assert lines[1].endswith(",6,1,66.7")
    elif table == "time":
        assert lines[1].endswith(",6,5.5,3.0")
    else:
        assert lines[1] == "Alex,3,2,60.0,2000.00,666.67"


def test_export_as_xlsx(client, an_conversion, agent):
    import io

    from openpyxl import load_workbook

    client.force_login(agent)

    response = client.get(page_url(export="agents", format="xlsx"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("Alex", 3, 2, 60)


def test_drilldown_page_lists_the_cases(client, an_conversion, agent, statuses):
    client.force_login(agent)
    status = statuses("opportunity", "presenting_solutions")

    response = client.get(
        page_url().replace(reverse("dashboard:conversion"), reverse("dashboard:analysis_cases"))
        + f"&kind=reached&status={status.pk}"
    )

    assert response.status_code == 200
    shown = {c.number for c in response.context["page_obj"]}
    data = an_conversion
    assert shown == {data.c1.number, data.c2.number, data.c4.number, data.m.number}


def test_drilldown_does_not_show_an_invisible_case(client, an_conversion, agent):
    client.force_login(agent)

    url = page_url().replace(reverse("dashboard:conversion"), reverse("dashboard:analysis_cases"))
    response = client.get(url + f"&kind=closed_lost&owner={an_conversion.c6.owner_id}")

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == []


def test_drilldown_export_csv(client, an_conversion, agent):
    client.force_login(agent)

    url = page_url().replace(reverse("dashboard:conversion"), reverse("dashboard:analysis_cases"))
    response = client.get(url + "&kind=won&format=csv")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 4  # c1, c4, c7, m


@pytest.mark.parametrize("query", ["kind=nothing", "kind=reached", "kind=reached&status=x"])
def test_drilldown_404_on_a_bad_request(client, agent, case_types, query):
    client.force_login(agent)

    response = client.get(reverse("dashboard:analysis_cases") + "?" + query)

    assert response.status_code == 404


def test_drilldown_404_for_a_status_of_another_type(client, agent, case_types, statuses):
    client.force_login(agent)
    lead_status = statuses("lead", "new")

    response = client.get(
        reverse("dashboard:analysis_cases") + f"?kind=reached&status={lead_status.pk}"
    )

    assert response.status_code == 404
