from __future__ import annotations

import pytest

from relata.cases import selectors, services


@pytest.fixture
def three_cases(make_case, make_entity, other_agent, other_team, statuses, agent):
    mine = make_case(subject="Mine")
    complaint = make_case(case_type="complaint", subject="Complaint")
    services.case_move(user=agent, case=complaint, status=statuses("complaint", "resolved"))
    foreign_entity = make_entity(other_agent, other_team, "Boreal Logistics SA")
    theirs = make_case(user=other_agent, entity=foreign_entity, subject="Theirs")
    return mine, complaint, theirs


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin_user", {"Mine", "Complaint", "Theirs"}),
        ("manager", {"Mine", "Complaint"}),
        ("agent", {"Mine", "Complaint"}),
        ("reader", {"Mine", "Complaint"}),
        ("other_agent", {"Theirs"}),
    ],
)
def test_each_role_sees_its_scope(request, three_cases, role, expected):
    user = request.getfixturevalue(role)
    assert {c.subject for c in selectors.case_list(user=user)} == expected


def test_filters(three_cases, admin_user, agent, case_types, statuses, entity):
    def subjects(**filters):
        return [c.subject for c in selectors.case_list(user=admin_user, **filters)]

    assert subjects(case_type=case_types["complaint"]) == ["Complaint"]
    assert subjects(statuses=[statuses("opportunity", "decision")]) == []
    assert subjects(open_only=True) == ["Theirs", "Mine"]
    assert subjects(owner=agent, open_only=True) == ["Mine"]
    assert sorted(subjects(entity=entity)) == ["Complaint", "Mine"]


def test_resolved_status_filter(three_cases, admin_user, statuses):
    resolved = selectors.case_list(user=admin_user, statuses=[statuses("complaint", "resolved")])
    assert [c.subject for c in resolved] == ["Complaint"]


def test_the_list_does_not_query_per_row(three_cases, admin_user, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [
            (c.case_type.name, c.status.name, c.entity.legal_name, str(c.owner))
            for c in selectors.case_list(user=admin_user)
        ]
    assert len(rows) == 3
