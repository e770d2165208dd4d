"""The open-cases report (R19): grouping after the parameter, filters, rows and exports."""

from __future__ import annotations

import csv
import datetime
import decimal
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from relata.cases.models import Case
from relata.core.models import CrmParameters
from relata.core.selectors import parameters_cache_clear, parameters_get

pytestmark = pytest.mark.django_db

URL = "/cases/open/"


@pytest.fixture
def open_codes():
    """``open_codes([...])``: set the parameter *case statuses that count as open*."""

    def set_codes(codes):
        parameters_get()  # the row exists
        CrmParameters.objects.filter(pk=1).update(open_case_status_codes=codes)
        parameters_cache_clear()

    yield set_codes
    parameters_cache_clear()


def put(case, status):
    Case.objects.filter(pk=case.pk).update(status=status)


def opened(case, days_ago):
    Case.objects.filter(pk=case.pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=days_ago, hours=1)
    )


def groups_of(response):
    return [
        (g.group.case_type.code, g.group.status.code, g.group.count)
        for g in response.context["groups"]
    ]


def test_url_name():
    assert reverse("cases:open_report") == URL


def test_groups_by_type_and_status_with_a_total(client, agent, make_case, statuses, open_codes):
    open_codes([])
    make_case(amount=decimal.Decimal("100"))
    second = make_case(amount=decimal.Decimal("50"))
    opened(second, 12)
    won = make_case(amount=decimal.Decimal("999"))
    put(won, statuses("opportunity", "won"))
    make_case(case_type="complaint")
    incident = make_case(case_type="incident")
    put(incident, statuses("incident", "waiting_customer"))
    client.force_login(agent)
    response = client.get(URL)
    assert response.status_code == 200
    assert groups_of(response) == [
        ("opportunity", "identifying_needs", 2),
        ("complaint", "received", 1),
        ("incident", "waiting_customer", 1),
    ]
    assert response.context["total_count"] == 4
    assert response.context["total_text"] == "€150"
    first = response.context["groups"][0]
    assert first.oldest_days == 12
    assert first.total_text == "€150"
    html = response.content.decode()
    assert 'id="report-total-count">4<' in html
    # The note says which statuses count and where that is set.
    assert "every status whose meaning is “open” counts" in html
    assert "Decision postponed" in html
    assert "parameters" in html


def test_grouping_follows_the_parameter(client, agent, make_case, statuses, open_codes):
    make_case()
    decided = make_case()
    put(decided, statuses("opportunity", "decision"))
    complaint = make_case(case_type="complaint")
    put(complaint, statuses("complaint", "resolved"))
    open_codes(["decision", "resolved"])
    client.force_login(agent)
    response = client.get(URL)
    assert groups_of(response) == [
        ("opportunity", "decision", 1),
        ("complaint", "resolved", 1),
    ]
    html = response.content.decode()
    assert "Cases in these statuses count as open:" in html
    assert "Identifying needs" not in html.split('id="open-statuses-note"')[1].split("</p>")[0]


def test_agent_sees_only_visible_cases(
    client, agent, admin_user, other_agent, other_entity, make_case, open_codes
):
    open_codes([])
    make_case()
    make_case(user=other_agent, entity=other_entity)
    client.force_login(agent)
    assert client.get(URL).context["total_count"] == 1
    client.force_login(admin_user)
    assert client.get(URL).context["total_count"] == 2


def test_filters(
    client, admin_user, agent, manager, make_case, team, other_team, case_types, open_codes
):
    open_codes([])
    mine = make_case(subject="Old one")
    opened(mine, 40)
    theirs = make_case(user=manager, case_type="complaint", subject="Recent")
    opened(theirs, 2)
    unowned = make_case(subject="Nobody's")
    Case.objects.filter(pk=unowned.pk).update(owner=None, team=other_team)
    client.force_login(admin_user)

    def subjects(query):
        return sorted(c.subject for c in client.get(URL, query).context["page_obj"])

    assert subjects({}) == ["Nobody's", "Old one", "Recent"]
    assert subjects({"owner": str(agent.pk)}) == ["Old one"]
    assert subjects({"owner": "none"}) == ["Nobody's"]
    assert subjects({"team": other_team.pk}) == ["Nobody's"]
    assert subjects({"case_type": case_types["complaint"].pk}) == ["Recent"]
    assert subjects({"min_age": 30}) == ["Old one"]
    assert subjects({"max_age": 10}) == ["Nobody's", "Recent"]
    assert subjects({"min_age": 1, "max_age": 10}) == ["Recent"]
    assert subjects({"min_age": "many"}) == ["Nobody's", "Old one", "Recent"]
    client.force_login(agent)
    assert subjects({"owner": "me"}) == ["Old one"]


def test_group_links_filter_the_rows(client, agent, make_case, statuses, open_codes):
    open_codes([])
    make_case(subject="Needs")
    decided = make_case(subject="Deciding")
    decision = statuses("opportunity", "decision")
    put(decided, decision)
    client.force_login(agent)
    response = client.get(URL, {"owner": "me"})
    links = {g.group.status.code: g.url for g in response.context["groups"]}
    assert links["decision"] == f"?owner=me&status={decision.pk}#report-rows"
    response = client.get(URL, {"owner": "me", "status": decision.pk})
    assert [c.subject for c in response.context["page_obj"]] == ["Deciding"]
    # The summary still shows every group, the chosen one marked.
    assert len(response.context["groups"]) == 2
    assert [g.selected for g in response.context["groups"]] == [False, True]


def test_rows_show_number_type_status_age_and_due(client, agent, make_case, open_codes):
    open_codes([])
    case = make_case(case_type="incident", subject="Printer down")
    opened(case, 3)
    client.force_login(agent)
    response = client.get(URL)
    row = response.context["page_obj"][0]
    assert row.age_days == 3
    html = response.content.decode()
    assert case.number in html
    assert "Incident" in html
    assert "Reported" in html
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in html


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def test_csv_export_of_the_filtered_rows(
    client, agent, other_agent, other_entity, make_case, statuses, open_codes
):
    open_codes([])
    case = make_case(amount=decimal.Decimal("1234.5"), subject="=HYPERLINK(1)")
    opened(case, 5)
    make_case(user=other_agent, entity=other_entity, subject="Not yours")
    closed = make_case(subject="Won already")
    put(closed, statuses("opportunity", "won"))
    client.force_login(agent)
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["Number", "Case type", "Status", "Subject"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Number"] == case.number
    assert row["Case type"] == "Sales opportunity"
    assert row["Status"] == "Identifying needs"
    assert row["Subject"] == "'=HYPERLINK(1)"  # neutralised for spreadsheets
    assert row["Entity"] == "Acme Trading SL"
    assert row["Owner"] == str(agent)
    assert row["Age (days)"] == "5"
    assert row["Amount"] == "1234.50"


def test_csv_export_follows_the_filters(client, admin_user, make_case, case_types, open_codes):
    open_codes([])
    make_case(subject="Opportunity")
    make_case(case_type="complaint", subject="Complaint")
    client.force_login(admin_user)
    rows = read_csv(client.get(URL, {"format": "csv", "case_type": case_types["complaint"].pk}))
    assert [r[3] for r in rows[1:]] == ["Complaint"]


def test_xlsx_export(client, agent, other_agent, other_entity, make_case, open_codes):
    open_codes([])
    first = make_case(amount=decimal.Decimal("10.25"), subject="First")
    make_case(case_type="complaint", subject="Second")
    make_case(user=other_agent, entity=other_entity, subject="Not yours")
    client.force_login(agent)
    response = client.get(URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Number", "Case type", "Status", "Subject"]
    assert sorted(r[3] for r in rows[1:]) == ["First", "Second"]
    first_row = next(r for r in rows[1:] if r[3] == "First")
    assert first_row[0] == first.number
    assert first_row[11] == 10.25  # a number, so that spreadsheets add it up
    assert isinstance(first_row[11], float)


def test_empty_report(client, agent, open_codes):
    open_codes([])
    client.force_login(agent)
    response = client.get(URL)
    assert response.status_code == 200
    assert "No open cases" in response.content.decode()
    response = client.get(URL, {"owner": "none"})
    assert "No open cases match" in response.content.decode()


def test_htmx_answers_the_report_body(client, agent, make_case, open_codes):
    open_codes([])
    make_case()
    client.force_login(agent)
    response = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="report-body")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="report-groups"' in html


def test_report_queries_do_not_grow_with_rows(
    client, agent, make_case, open_codes, django_assert_max_num_queries
):
    open_codes([])
    for i in range(6):
        make_case(subject=f"Case {i}")
    client.force_login(agent)
    client.get(URL)
    with django_assert_max_num_queries(20):
        client.get(URL)
