"""GET /api/v1/reports/open-cases/, the case types and campaigns endpoints, and the schema."""

from __future__ import annotations

import datetime
import decimal

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from relata.campaigns.models import Campaign
from relata.cases import services
from relata.cases.models import Case
from relata.core.selectors import parameters_cache_clear
from relata.core.services import parameters_update
from relata.customfields.services import field_definition_create

pytestmark = pytest.mark.django_db

REPORT = "api-reports-open-cases"


def report(client, **params):
    response = client.get(reverse(REPORT), params)
    assert response.status_code == 200, response.json()
    return response.json()


def groups(body) -> list[tuple[str, str, int, str]]:
    return [
        (g["case_type"]["code"], g["status"]["code"], g["count"], g["total"])
        for g in body["groups"]
    ]


@pytest.fixture
def open_cases(make_case, make_entity, agent, manager, other_agent, other_entity, statuses):
    """Visible: two opportunities identifying needs (100, 200; the first 10 days old), one
    postponed (50), a received complaint, a discarded lead; and the other team's case."""
    first = make_case(subject="First", amount=decimal.Decimal("100"))
    make_case(user=manager, subject="Second", amount=decimal.Decimal("200"))
    make_case(
        subject="Postponed",
        amount=decimal.Decimal("50"),
        status=statuses("opportunity", "decision_postponed"),
    )
    make_case(subject="Complaint", case_type="complaint")
    lead = make_case(subject="Lead", case_type="lead")
    services.case_move(user=agent, case=lead, status=statuses("lead", "discarded"), lost_reason="-")
    make_case(user=other_agent, entity=other_entity, subject="Theirs")
    Case.objects.filter(pk=first.pk).update(opened_at=timezone.now() - datetime.timedelta(days=10))
    return first


def test_open_cases_by_status_meaning(api_client, open_cases, agent):
    api_client.force_authenticate(agent)

    body = report(api_client)

    assert groups(body) == [
        ("opportunity", "identifying_needs", 2, "300.00"),
        ("opportunity", "decision_postponed", 1, "50.00"),
        ("complaint", "received", 1, "0.00"),
    ]
    assert body["count"] == 4
    # Oldest first; the oldest of the group is the ten-day-old case.
    assert [row["subject"] for row in body["results"]] == [
        "First",
        "Second",
        "Postponed",
        "Complaint",
    ]
    assert body["results"][0]["age_days"] == 10
    assert body["groups"][0]["oldest_opened_at"] == body["results"][0]["opened_at"]
    assert body["results"][0]["status"]["meaning"] == "open"
    assert body["results"][0]["url"].endswith(f"/api/v1/cases/{open_cases.pk}/")


def test_open_cases_follow_the_parameter(api_client, open_cases, agent, admin_user):
    parameters_update(user=admin_user, data={"open_case_status_codes": ["identifying_needs"]})
    parameters_cache_clear()
    api_client.force_authenticate(agent)
    only_needs = report(api_client)

    parameters_update(user=admin_user, data={"open_case_status_codes": ["discarded", "received"]})
    parameters_cache_clear()
    closed_too = report(api_client)

    assert groups(only_needs) == [("opportunity", "identifying_needs", 2, "300.00")]
    assert only_needs["count"] == 2
    assert groups(closed_too) == [
        ("lead", "discarded", 1, "0.00"),
        ("complaint", "received", 1, "0.00"),
    ]


def test_open_cases_filters(api_client, open_cases, agent, manager, team, other_team):
    api_client.force_authenticate(agent)

    def subjects(**params):
        return [row["subject"] for row in report(api_client, **params)["results"]]

    assert subjects(case_type="complaint") == ["Complaint"]
    assert subjects(owner="me") == ["First", "Postponed", "Complaint"]
    assert subjects(owner=manager.pk) == ["Second"]
    assert subjects(owner="none") == []
    assert len(subjects(team=team.pk)) == 4
    assert subjects(team=other_team.pk) == []
    assert subjects(min_age_days=5) == ["First"]
    assert subjects(max_age_days=5) == ["Second", "Postponed", "Complaint"]
    # ages are whole days: the first, opened 10 days ago, is 10 days old
    assert subjects(min_age_days=0, max_age_days=9) == ["Second", "Postponed", "Complaint"]
    assert subjects(min_age_days=0, max_age_days=10) == [
        "First",
        "Second",
        "Postponed",
        "Complaint",
    ]


def test_the_report_is_paginated_but_groups_count_everything(api_client, open_cases, agent):
    api_client.force_authenticate(agent)

    body = report(api_client, page_size=2)

    assert len(body["results"]) == 2
    assert body["count"] == 4
    assert sum(g["count"] for g in body["groups"]) == 4
    assert "page=2" in body["next"]


def test_other_teams_cases_do_not_count(api_client, open_cases, other_agent, admin_user):
    api_client.force_authenticate(other_agent)
    theirs = report(api_client)
    api_client.force_authenticate(admin_user)
    everyone = report(api_client)

    assert groups(theirs) == [("opportunity", "identifying_needs", 1, "0.00")]
    assert everyone["count"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_age_days": "-1"}, "min_age_days"),
        ({"max_age_days": "ten"}, "max_age_days"),
        ({"min_age_days": "1.5"}, "min_age_days"),
        ({"min_age_days": "9", "max_age_days": "3"}, "max_age_days"),
        ({"case_type": "nap"}, "case_type"),
        ({"owner": "someone"}, "owner"),
        ({"team": "north"}, "team"),
    ],
)
def test_bad_report_parameters_are_400(api_client, agent, params, field):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse(REPORT), params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_report_needs_authentication(api_client):
    assert api_client.get(reverse(REPORT)).status_code == 401


# --- Case types and campaigns -------------------------------------------------------------------


def test_every_user_reads_the_case_types_with_statuses_and_fields(
    api_client, reader, admin_user, statuses
):
    needs = statuses("opportunity", "identifying_needs")
    needs.allowed_next.set([statuses("opportunity", "presenting_solutions")])
    field_definition_create(
        user=admin_user,
        target="case",
        scope="opportunity",
        key="budget",
        label_en="Budget",
        field_type="integer",
    )
    api_client.force_authenticate(reader)

    rows = api_client.get(reverse("casetype-list")).json()["results"]

    assert [r["code"] for r in rows] == [
        "opportunity",
        "lead",
        "complaint",
        "incident",
        "service_request",
    ]
    opportunity, complaint = rows[0], rows[2]
    assert (opportunity["number_prefix"], opportunity["is_opportunity"]) == ("OPP", True)
    assert complaint["service_level_hours"] == 48
    assert [s["code"] for s in opportunity["statuses"]][:2] == [
        "identifying_needs",
        "presenting_solutions",
    ]
    assert opportunity["statuses"][0] == {
        "id": needs.pk,
        "code": "identifying_needs",
        "name": "Identifying needs",
        "name_en": "Identifying needs",
        "name_es": "Identificación de necesidades",
        "colour": "#0dcaf0",
        "order": 0,
        "default_probability": 10,
        "meaning": "open",
        "allowed_next": [statuses("opportunity", "presenting_solutions").pk],
        "is_active": True,
    }
    keys = [f["key"] for f in opportunity["custom_fields"]]
    assert "budget" in keys and "free_text_1" in keys
    assert "budget" not in [f["key"] for f in complaint["custom_fields"]]


def test_case_types_are_read_only(api_client, admin_user, case_types):
    api_client.force_authenticate(admin_user)

    created = api_client.post(reverse("casetype-list"), {"code": "x"}, format="json")
    changed = api_client.patch(
        reverse("casetype-detail", args=[case_types["lead"].pk]), {"name_en": "X"}, format="json"
    )

    assert (created.status_code, changed.status_code) == (405, 405)


def test_campaigns(api_client, agent, admin_user):
    Campaign.objects.create(code="spring", name="Spring fair", starts_on=datetime.date(2031, 3, 1))
    Campaign.objects.create(code="old", name="Old mailing", is_active=False)
    api_client.force_authenticate(agent)

    everything = api_client.get(reverse("campaign-list")).json()["results"]
    active = api_client.get(reverse("campaign-list"), {"active": "true"}).json()["results"]
    denied = api_client.post(reverse("campaign-list"), {"code": "x"}, format="json")
    api_client.force_authenticate(admin_user)
    written = api_client.post(reverse("campaign-list"), {"code": "x"}, format="json")

    assert {c["code"] for c in everything} == {"spring", "old"}
    assert [c["code"] for c in active] == ["spring"]
    assert active[0] == {
        "id": active[0]["id"],
        "code": "spring",
        "name": "Spring fair",
        "starts_on": "2031-03-01",
        "ends_on": None,
        "is_active": True,
        "target_segment": None,
    }
    assert (denied.status_code, written.status_code) == (403, 405)
    assert Campaign.objects.count() == 2


# --- Schema -----------------------------------------------------------------------------------


def test_the_schema_describes_the_case_endpoints_and_is_valid(api_client, agent):
    api_client.force_authenticate(agent)

    spec = yaml.safe_load(api_client.get(reverse("api-schema")).content)

    validate(spec)
    paths = spec["paths"]
    for path in (
        "/api/v1/case-types/",
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/move/",
        "/api/v1/cases/{id}/reassign/",
        "/api/v1/products/",
        "/api/v1/product-families/",
        "/api/v1/campaigns/",
        "/api/v1/reports/open-cases/",
    ):
        assert path in paths, path
    assert "delete" not in paths["/api/v1/cases/{id}/"]
    names = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {"case_type", "status", "owner", "open", "search", "ordering"} <= names
    report_names = {p["name"] for p in paths["/api/v1/reports/open-cases/"]["get"]["parameters"]}
    assert {"min_age_days", "max_age_days", "case_type", "owner", "team"} <= report_names
