"""Settings → Case types: creating and changing types, through the pages and the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from relata.cases import services_settings
from relata.cases.models import CaseStatus, CaseType
from relata.customfields.models import FieldDefinition, Target

pytestmark = pytest.mark.django_db

NEW_TYPE = {
    "code": "warranty",
    "name_en": "Warranty claim",
    "name_es": "Reclamación de garantía",
    "number_prefix": "WAR",
    "service_level_hours": "36",
    "order": "",
    "is_active": "on",
}


def test_admin_creates_a_type_with_free_fields_and_first_statuses(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("cases:settings_type_create"), NEW_TYPE)

    case_type = CaseType.objects.get(code="warranty")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:settings_type_detail", args=[case_type.pk])
    assert (case_type.number_prefix, case_type.service_level_hours) == ("WAR", 36)
    assert case_type.history.first().history_user == admin_user
    keys = set(
        FieldDefinition.objects.filter(target=Target.CASE, scope="warranty").values_list(
            "key", flat=True
        )
    )
    assert keys == {"free_text_1", "free_text_2", "free_number", "free_date", "free_yes_no"}
    statuses = list(case_type.statuses.order_by("order").values_list("code", "meaning", "order"))
    assert statuses == [("open", "open", 1), ("closed", "closed", 2)]


def test_a_new_opportunity_type_starts_with_open_won_and_lost(admin_user):
    case_type = services_settings.case_type_create(
        user=admin_user,
        data={
            "code": "upsell",
            "name_en": "Upsell",
            "number_prefix": "UPS",
            "is_opportunity": True,
        },
    )

    statuses = list(
        case_type.statuses.order_by("order").values_list("code", "meaning", "default_probability")
    )
    assert statuses == [("open", "open", 10), ("won", "won", 100), ("lost", "lost", 0)]
    assert case_type.order > CaseType.objects.exclude(pk=case_type.pk).order_by("-order")[0].order


def test_the_prefix_is_upper_cased_and_must_be_letters_or_digits(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("cases:settings_type_create"), {**NEW_TYPE, "number_prefix": "W-1"}
    )
    lower = services_settings.case_type_create(
        user=admin_user, data={"code": "repair", "name_en": "Repair", "number_prefix": "rep"}
    )

    assert response.status_code == 200
    assert "Enter 1 to 10 capital letters or digits" in response.content.decode()
    assert not CaseType.objects.filter(code="warranty").exists()
    assert lower.number_prefix == "REP"


def test_a_prefix_or_code_already_in_use_is_refused_with_a_clear_message(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("cases:settings_type_create"),
        {**NEW_TYPE, "code": "complaint", "number_prefix": "opp"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Another case type already numbers its cases with “OPP”." in page
    assert "Another case type already has the code “complaint”." in page
    assert CaseType.objects.count() == 5


def test_the_code_cannot_change_once_the_type_has_cases(admin_user, make_case, case_types):
    complaint = case_types["complaint"]
    make_case(case_type="complaint")

    with pytest.raises(ValidationError) as error:
        services_settings.case_type_update(
            user=admin_user, case_type=complaint, data={"code": "claim"}
        )

    assert "once the type has cases" in error.value.message_dict["code"][0]
    assert CaseType.objects.get(pk=complaint.pk).code == "complaint"


def test_the_code_field_is_locked_on_the_page_once_the_type_has_cases(
    client, admin_user, make_case, case_types
):
    complaint = case_types["complaint"]
    make_case(case_type="complaint")
    client.force_login(admin_user)

    response = client.post(
        reverse("cases:settings_type_edit", args=[complaint.pk]),
        {**NEW_TYPE, "code": "claim", "number_prefix": "COMP", "name_en": "Customer complaint"},
    )

    complaint.refresh_from_db()
    assert response.status_code == 302
    assert (complaint.code, complaint.name_en) == ("complaint", "Customer complaint")


def test_before_any_case_a_new_code_takes_the_type_s_fields_along(admin_user, case_types):
    incident = case_types["incident"]

    services_settings.case_type_update(user=admin_user, case_type=incident, data={"code": "fault"})

    assert FieldDefinition.objects.filter(target=Target.CASE, scope="fault").count() == 5
    assert not FieldDefinition.objects.filter(target=Target.CASE, scope="incident").exists()


def test_switching_a_type_off_keeps_it_listed_as_inactive(client, admin_user, case_types):
    client.force_login(admin_user)
    lead = case_types["lead"]

    services_settings.case_type_update(user=admin_user, case_type=lead, data={"is_active": False})
    page = client.get(reverse("cases:settings_type_list")).content.decode()

    assert f'id="case-type-{lead.pk}" class="text-muted"' in page
    assert CaseType.objects.filter(pk=lead.pk, is_active=False).exists()


def test_the_detail_shows_statuses_fields_and_the_settings_navigation(
    client, admin_user, case_types
):
    client.force_login(admin_user)
    opportunity = case_types["opportunity"]

    response = client.get(reverse("cases:settings_type_detail", args=[opportunity.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav_current"] == "settings"
    assert [s.code for s in response.context["statuses"]] == [
        "identifying_needs",
        "presenting_solutions",
        "decision",
        "decision_postponed",
        "won",
        "lost",
    ]
    assert "Free text 1" in page
    assert "?target=case&amp;scope=opportunity" in page


def test_the_settings_index_links_the_new_pages(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("core:settings")).content.decode()

    for name in (
        "cases:settings_type_list",
        "products:product_list",
        "products:family_list",
        "campaigns:campaign_list",
    ):
        assert f'href="{reverse(name)}"' in page


@pytest.mark.parametrize("role", ["manager", "agent", "reader"])
def test_only_administrators_reach_the_type_pages(client, request, role, case_types):
    user = request.getfixturevalue(role)
    client.force_login(user)
    complaint = case_types["complaint"]

    responses = [
        client.get(reverse("cases:settings_type_list")),
        client.get(reverse("cases:settings_type_create")),
        client.post(reverse("cases:settings_type_create"), NEW_TYPE),
        client.get(reverse("cases:settings_type_detail", args=[complaint.pk])),
        client.get(reverse("cases:settings_type_edit", args=[complaint.pk])),
        client.post(reverse("cases:settings_type_edit", args=[complaint.pk]), NEW_TYPE),
    ]

    assert [r.status_code for r in responses] == [403] * 6
    assert not CaseType.objects.filter(code="warranty").exists()


def test_the_type_services_refuse_non_administrators(manager, case_types):
    with pytest.raises(PermissionDenied):
        services_settings.case_type_create(
            user=manager, data={"code": "x", "name_en": "X", "number_prefix": "X"}
        )
    with pytest.raises(PermissionDenied):
        services_settings.case_type_update(
            user=manager, case_type=case_types["lead"], data={"name_en": "Prospects"}
        )

    assert CaseType.objects.get(code="lead").name_en == "Lead capture"
    assert not CaseStatus.objects.filter(case_type__code="x").exists()
