"""The forecast page, the cases behind its figures and their downloads."""

from __future__ import annotations

import csv
import decimal
import io
import re

import openpyxl
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
D = decimal.Decimal
RANGE = {"close_from": "2031-01-01", "close_to": "2031-06-30"}
PAGE = "dashboard:forecast"
CASES = "dashboard:forecast_cases"


def values(html: str, css_class: str) -> list[str]:
    return re.findall(rf'class="[^"]*{css_class}[^"]*" data-value="([^"]+)"', html)


def links(html: str, css_class: str) -> list[str]:
    found = re.findall(rf'class="[^"]*{css_class}[^"]*"[^>]*><a href="([^"]+)"', html)
    return [link.replace("&amp;", "&") for link in found]


def drill_total(client, url: str) -> tuple[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    amount = re.search(r'id="forecast-cases-amount" data-value="([^"]+)"', html)
    weighted = re.search(r'id="forecast-cases-weighted" data-value="([^"]+)"', html)
    assert amount and weighted, html[-2000:]
    return amount.group(1), weighted.group(1)


def test_page_shows_the_figures_in_a_bounded_number_of_queries(
    client, fc_data, agent, django_assert_max_num_queries
):
    client.force_login(agent)

    with django_assert_max_num_queries(30):
        response = client.get(reverse(PAGE), {**RANGE, "group_by": "status"})

    assert response.status_code == 200
    html = response.content.decode()
    # In the range: every open case but M2 (no date): 2204.93 − 123.45; weighted
    # 776.735 − 24.69 = 752.045 → 752.05.
    assert 'id="forecast-groups-total"' in html
    assert re.search(r'<td class="text-end" data-value="2081.48">', html)
    assert re.search(r'<td class="text-end" data-value="752.05">', html)
    assert values(html, "group-weighted") == ["112.03", "90.02", "550.00"]
    assert 'data-chart="forecast-groups-chart"' in html
    assert 'id="forecast-groups-chart" type="application/json"' in html
    assert 'data-period="2031-Q1"' in html and 'data-period="2031-Q2"' in html
    assert 'data-agent="none"' in html  # the unassigned T1 in the per-agent table
    assert "7000" not in html  # other_agent's case is out of the agent's scope


@pytest.mark.parametrize("group_by", ["status", "agent", "team", "month", "quarter"])
def test_every_group_figure_drills_down_to_cases_of_the_same_total(
    client, fc_data, agent, group_by
):
    client.force_login(agent)
    html = client.get(reverse(PAGE), {"group_by": group_by}).content.decode()

    amounts = values(html, "group-amount")
    weighted = values(html, "group-weighted")
    urls = links(html, "group-weighted")
    assert len(urls) == len(amounts) == len(weighted) > 0
    for url, amount, weight in zip(urls, amounts, weighted, strict=True):
        assert f"group_by={group_by}" in url
        assert drill_total(client, url) == (amount, weight)


def test_category_and_agent_cells_drill_down(client, fc_data, agent):
    client.force_login(agent)
    html = client.get(reverse(PAGE), RANGE).content.decode()

    committed_q1 = re.search(
        r'data-period="2031-Q1".*?class="text-end cat-committed"><a class="text-decoration-none" '
        r'href="([^"]+)"',
        html,
        re.S,
    )
    assert committed_q1
    url = committed_q1.group(1).replace("&amp;", "&")
    assert "category=committed" in url and "period=2031-Q1" in url
    assert drill_total(client, url)[0] == "333.33"  # A2
    won = links(html, "agent-won")
    assert drill_total(client, won[0])[0] == "400.00"  # Alex's W1
    assert drill_total(client, won[1])[0] == "250.00"  # Maria's W2
    rows = re.findall(r"<td>(\w\d)<div", client.get(won[0]).content.decode())
    assert rows == ["W1"]  # not the lost L1


def test_drilldown_lists_sorts_and_shows_rows(client, fc_data, agent):
    client.force_login(agent)

    response = client.get(reverse(CASES), {"group_by": "agent", "key": agent.pk, "sort": "-amount"})

    html = response.content.decode()
    subjects = re.findall(r"<td>(A\d|T\d|M\d)<div", html)
    assert subjects == ["A1", "A2", "A3"]  # 1000.00, 333.33, 200.05
    assert "249.9975" not in html and "250.00" in html  # A2's weighted, rounded
    assert "75 %" in html  # A2's own probability
    ascending = client.get(reverse(CASES), {"group_by": "agent", "key": agent.pk, "sort": "amount"})
    assert re.findall(r"<td>(A\d)<div", ascending.content.decode()) == ["A3", "A2", "A1"]


def test_drilldown_pages_by_fifty(client, fc_data, agent, make_case, statuses):
    for number in range(50):
        make_case(subject=f"Bulk {number}", amount=D("1.00"))
    client.force_login(agent)

    first = client.get(
        reverse(CASES),
        {"group_by": "status", "key": statuses("opportunity", "identifying_needs").pk},
    )
    second = client.get(
        first.request["PATH_INFO"] + "?" + first.request["QUERY_STRING"] + "&page=2"
    )

    assert first.content.decode().count("data-case-id=") == 50
    assert second.content.decode().count("data-case-id=") == 2  # 52 = 50 + A1 + T1
    # The totals row covers every page: 1048.10 + 50 × 1.00.
    assert 'id="forecast-cases-amount" data-value="1098.10"' in second.content.decode()


def test_bad_figure_or_filter_is_a_400(client, fc_data, agent):
    client.force_login(agent)

    assert client.get(reverse(CASES), {"group_by": "agent", "key": "x"}).status_code == 400
    assert client.get(reverse(CASES), {"category": "maybe"}).status_code == 400
    bad = client.get(reverse(PAGE), {"close_from": "2031-02-30"})
    assert bad.status_code == 400
    assert "Enter a valid date" in bad.content.decode()
    reversed_range = client.get(
        reverse(PAGE), {"close_from": "2031-05-01", "close_to": "2031-01-01"}
    )
    assert "The end of the range cannot be before its start." in reversed_range.content.decode()


def test_group_table_downloads(client, fc_data, agent):
    client.force_login(agent)

    response = client.get(reverse(PAGE), {"group_by": "agent", "format": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Group", "Key", "Cases", "Amount", "Weighted amount"]
    assert rows[1] == ["Alex", str(agent.pk), "3", "1533.38", "440.02"]
    assert rows[3] == ["Unassigned", "none", "1", "48.10", "12.03"]
    assert rows[-1] == ["Total", "", "6", "2204.93", "776.74"]
    xlsx = client.get(reverse(PAGE), {"group_by": "quarter", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1][:3] == ["Q1 2031", "2031-Q1", 3]
    assert D(str(cells[1][4])) == D("362.02")


def test_drilldown_downloads(client, fc_data, agent):
    client.force_login(agent)
    query = {"group_by": "agent", "key": agent.pk, "sort": "number"}

    response = client.get(reverse(CASES), {**query, "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:-1]] == ["A1", "A2", "A3"]
    assert rows[2][6:9] == ["333.33", "75", "250.00"]
    assert rows[-1][0] == "Total" and rows[-1][6] == "1533.38" and rows[-1][8] == "440.02"
    xlsx = client.get(reverse(CASES), {**query, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == 5  # header, three cases, total
    assert sheet.cell(row=2, column=2).value == "A1"


def test_reader_sees_the_forecast_and_anonymous_is_sent_to_log_in(client, fc_data, reader):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse(CASES)).status_code == 302

    client.force_login(reader)
    assert client.get(reverse(PAGE)).status_code == 200
    assert client.get(reverse(CASES)).status_code == 200


def test_other_agent_cannot_drill_into_the_agents_cases(client, fc_data, agent, other_agent):
    client.force_login(other_agent)

    response = client.get(reverse(CASES), {"group_by": "agent", "key": agent.pk})

    assert response.status_code == 200
    assert "data-case-id=" not in response.content.decode()
    assert "No cases behind this figure" in response.content.decode()


def test_empty_state_without_opportunities(client, agent):
    client.force_login(agent)

    response = client.get(reverse(PAGE))

    assert response.status_code == 200
    assert "No opportunities yet" in response.content.decode()
