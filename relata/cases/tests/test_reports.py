"""The board and open-cases report reads: counts, totals, filters, the parameter, scope."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.utils import timezone

from relata.cases import reports, services
from relata.cases.models import Case
from relata.core.models import CrmParameters
from relata.core.selectors import parameters_cache_clear

D = decimal.Decimal


@pytest.fixture
def pipeline(make_case, statuses, agent, manager, other_agent, other_entity):
    """Four opportunities of ``team`` and one of ``other_team``."""
    a = make_case(subject="A", amount=D("100.00"), expected_close_date=datetime.date(2031, 1, 10))
    b = make_case(subject="B", amount=D("250.00"), expected_close_date=datetime.date(2031, 2, 10))
    c = make_case(subject="C", amount=D("50.00"), user=manager)
    d = make_case(subject="D", amount=D("70.00"))
    services.case_move(user=agent, case=d, status=statuses("opportunity", "won"))
    hidden = make_case(subject="Hidden", user=other_agent, entity=other_entity, amount=D("9.00"))
    return {"a": a, "b": b, "c": c, "d": d, "hidden": hidden}


def _columns(user, case_types, **filters):
    return {
        column.status.code: (column.count, column.total, [c.subject for c in column.cases])
        for column in reports.board(user=user, case_type=case_types["opportunity"], **filters)
        if column.count
    }


def test_the_board_counts_and_sums_per_status_for_what_the_user_sees(
    pipeline, case_types, agent, admin_user
):
    assert _columns(agent, case_types) == {
        "identifying_needs": (3, D("400.00"), ["A", "B", "C"]),
        "won": (1, D("70.00"), ["D"]),
    }
    assert _columns(admin_user, case_types)["identifying_needs"][:2] == (4, D("409.00"))


def test_the_board_has_every_active_status_in_order(pipeline, case_types, agent):
    codes = [c.status.code for c in reports.board(user=agent, case_type=case_types["opportunity"])]
    assert codes == [
        "identifying_needs",
        "presenting_solutions",
        "decision",
        "decision_postponed",
        "won",
        "lost",
    ]


def test_board_filters_and_the_cards_limit(pipeline, case_types, agent, manager):
    assert _columns(agent, case_types, owner=manager) == {
        "identifying_needs": (1, D("50.00"), ["C"])
    }
    assert _columns(
        agent,
        case_types,
        close_from=datetime.date(2031, 2, 1),
        close_to=datetime.date(2031, 2, 28),
    ) == {"identifying_needs": (1, D("250.00"), ["B"])}
    column = reports.board(user=agent, case_type=case_types["opportunity"], cards_per_column=2)[0]
    assert (column.count, len(column.cases), column.more) == (3, 2, 1)


def test_board_filters_by_campaign(pipeline, case_types, agent):
    from relata.campaigns.models import Campaign

    campaign = Campaign.objects.create(code="spring", name="Spring fair")
    Case.objects.filter(pk=pipeline["b"].pk).update(campaign=campaign)
    assert _columns(agent, case_types, campaign=campaign) == {
        "identifying_needs": (1, D("250.00"), ["B"])
    }


def test_open_cases_follow_the_status_meaning_by_default(pipeline, agent):
    cases = reports.open_cases(user=agent)
    assert sorted(c.subject for c in cases) == ["A", "B", "C"]
    groups = reports.open_cases_summary(cases)
    assert [(g.case_type.code, g.status.code, g.count, g.total) for g in groups] == [
        ("opportunity", "identifying_needs", 3, D("400.00"))
    ]


def test_open_cases_follow_the_parameter_when_it_lists_codes(pipeline, make_case, statuses, agent):
    complaint = make_case(case_type="complaint", subject="Broken pump")
    services.case_move(user=agent, case=pipeline["a"], status=statuses("opportunity", "decision"))
    CrmParameters.objects.update(open_case_status_codes=["decision", "won"])
    parameters_cache_clear()
    try:
        cases = reports.open_cases(user=agent)
        # only the codes listed count, whatever their meaning; the complaint's does not
        assert sorted(c.subject for c in cases) == ["A", "D"]
        assert complaint not in cases
        groups = reports.open_cases_summary(cases)
        assert [(g.status.code, g.count) for g in groups] == [("decision", 1), ("won", 1)]
    finally:
        CrmParameters.objects.update(open_case_status_codes=[])
        parameters_cache_clear()


def test_open_cases_across_types_grouped_in_type_order(pipeline, make_case, agent):
    make_case(case_type="incident", subject="Outage")
    make_case(case_type="complaint", subject="Late delivery")
    groups = reports.open_cases_summary(reports.open_cases(user=agent))
    assert [g.case_type.code for g in groups] == ["opportunity", "complaint", "incident"]


def test_open_cases_filter_by_age_owner_and_type(pipeline, make_case, agent, manager):
    Case.objects.filter(pk=pipeline["a"].pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=40)
    )
    make_case(case_type="incident", subject="Outage")
    assert [c.subject for c in reports.open_cases(user=agent, min_age_days=30)] == ["A"]
    assert sorted(c.subject for c in reports.open_cases(user=agent, max_age_days=30)) == [
        "B",
        "C",
        "Outage",
    ]
    assert [c.subject for c in reports.open_cases(user=agent, owner=manager)] == ["C"]
    opportunities = reports.open_cases(user=agent, case_type=pipeline["a"].case_type)
    assert sorted(c.subject for c in opportunities) == ["A", "B", "C"]


def test_ages_are_whole_days(make_case, agent):
    today = make_case(subject="Today")
    two_days = make_case(subject="Two days")
    Case.objects.filter(pk=today.pk).update(opened_at=timezone.now() - datetime.timedelta(hours=3))
    Case.objects.filter(pk=two_days.pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=2, hours=5)
    )
    assert [c.subject for c in reports.open_cases(user=agent, max_age_days=0)] == ["Today"]
    assert [c.subject for c in reports.open_cases(user=agent, min_age_days=2)] == ["Two days"]
    assert [c.subject for c in reports.open_cases(user=agent, max_age_days=2)] == [
        "Two days",
        "Today",
    ]
