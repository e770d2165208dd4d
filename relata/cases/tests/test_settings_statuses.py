"""Settings → Case types → statuses: adding, changing, ordering; the rules that keep a type
usable."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from relata.cases import services_settings
from relata.cases.models import CaseStatus

pytestmark = pytest.mark.django_db

NEW_STATUS = {
    "code": "on_hold",
    "name_en": "On hold",
    "name_es": "En espera",
    "colour": "#ffc107",
    "default_probability": "5",
    "meaning": "open",
    "is_active": "on",
}


def _codes(case_type) -> list[str]:
    return list(case_type.statuses.order_by("order", "pk").values_list("code", flat=True))


def test_admin_adds_a_status_at_the_end_with_its_allowed_next(
    client, admin_user, case_types, statuses
):
    client.force_login(admin_user)
    complaint = case_types["complaint"]
    resolved = statuses("complaint", "resolved")

    response = client.post(
        reverse("cases:settings_status_create", args=[complaint.pk]),
        {**NEW_STATUS, "allowed_next": [resolved.pk]},
    )

    status = CaseStatus.objects.get(case_type=complaint, code="on_hold")
    assert response.status_code == 302
    assert _codes(complaint)[-1] == "on_hold"
    assert list(status.allowed_next.all()) == [resolved]
    assert status.history.first().history_user == admin_user


def test_a_status_code_is_unique_within_its_type_only(admin_user, case_types):
    data = {"code": "received", "name_en": "Received", "meaning": "open"}
    services_settings.status_create(user=admin_user, case_type=case_types["incident"], data=data)

    with pytest.raises(ValidationError) as error:
        services_settings.status_create(
            user=admin_user, case_type=case_types["complaint"], data=data
        )

    assert error.value.message_dict["code"] == [
        "This type already has a status with the code “received”."
    ]


def test_a_probability_above_100_is_refused_on_the_page(client, admin_user, case_types):
    client.force_login(admin_user)
    opportunity = case_types["opportunity"]

    response = client.post(
        reverse("cases:settings_status_create", args=[opportunity.pk]),
        {**NEW_STATUS, "default_probability": "150"},
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert "on_hold" not in _codes(opportunity)


def test_allowed_next_of_another_type_is_refused(admin_user, statuses):
    received = statuses("complaint", "received")

    with pytest.raises(ValidationError) as error:
        services_settings.status_update(
            user=admin_user,
            status=received,
            data={},
            allowed_next=[statuses("incident", "resolved")],
        )

    assert error.value.message_dict["allowed_next"] == [
        "Choose statuses of the type “Complaint” only."
    ]
    assert not received.allowed_next.exists()


def test_the_form_only_offers_statuses_of_the_same_type(client, admin_user, statuses):
    client.force_login(admin_user)
    received = statuses("complaint", "received")
    foreign = statuses("incident", "resolved")

    response = client.post(
        reverse("cases:settings_status_edit", args=[received.case_type_id, received.pk]),
        {**NEW_STATUS, "code": "received", "allowed_next": [foreign.pk]},
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not received.allowed_next.exists()


def test_the_last_active_open_status_cannot_be_switched_off_or_change_meaning(
    admin_user, case_types, statuses
):
    lead = case_types["lead"]
    services_settings.status_update(
        user=admin_user, status=statuses("lead", "qualifying"), data={"is_active": False}
    )
    new = statuses("lead", "new")

    with pytest.raises(ValidationError) as off:
        services_settings.status_update(user=admin_user, status=new, data={"is_active": False})
    with pytest.raises(ValidationError) as meaning:
        services_settings.status_update(
            user=admin_user, status=statuses("lead", "new"), data={"meaning": "won"}
        )

    assert "last active open status of “Lead capture”" in off.value.message_dict["is_active"][0]
    assert "last active open status" in meaning.value.message_dict["meaning"][0]
    assert CaseStatus.objects.filter(case_type=lead, meaning="open", is_active=True).count() == 1


def test_an_open_status_may_be_switched_off_while_another_stays(admin_user, statuses):
    status = services_settings.status_update(
        user=admin_user, status=statuses("lead", "qualifying"), data={"is_active": False}
    )

    assert CaseStatus.objects.get(pk=status.pk).is_active is False


def test_the_last_open_status_refusal_shows_on_the_page(client, admin_user, case_types, statuses):
    client.force_login(admin_user)
    lead = case_types["lead"]
    services_settings.status_update(
        user=admin_user, status=statuses("lead", "qualifying"), data={"is_active": False}
    )
    new = statuses("lead", "new")

    response = client.post(
        reverse("cases:settings_status_edit", args=[lead.pk, new.pk]),
        {**NEW_STATUS, "code": "new", "is_active": ""},
    )

    assert response.status_code == 200
    assert "Add or switch on another open status first." in response.content.decode()
    assert CaseStatus.objects.get(pk=new.pk).is_active is True


def test_statuses_move_up_and_down_through_the_page(client, admin_user, case_types, statuses):
    client.force_login(admin_user)
    complaint = case_types["complaint"]
    resolved = statuses("complaint", "resolved")
    url = reverse("cases:settings_status_move", args=[complaint.pk, resolved.pk])

    first = client.post(url, {"direction": "up"})
    order_after_up = _codes(complaint)
    client.post(url, {"direction": "down"})
    client.post(url, {"direction": "down"})
    client.post(url, {"direction": "down"})

    assert first.status_code == 302
    assert first["Location"].endswith(f"#status-{resolved.pk}")
    assert order_after_up == ["received", "resolved", "investigating", "rejected"]
    assert _codes(complaint) == ["received", "investigating", "rejected", "resolved"]
    assert list(complaint.statuses.order_by("order").values_list("order", flat=True)) == [
        1,
        2,
        3,
        4,
    ]


def test_moving_needs_a_post(client, admin_user, statuses):
    client.force_login(admin_user)
    status = statuses("complaint", "resolved")

    response = client.get(
        reverse("cases:settings_status_move", args=[status.case_type_id, status.pk])
    )

    assert response.status_code == 405


@pytest.mark.parametrize("role", ["manager", "agent", "reader"])
def test_only_administrators_reach_the_status_pages(client, request, role, statuses):
    client.force_login(request.getfixturevalue(role))
    status = statuses("complaint", "resolved")
    type_pk = status.case_type_id

    responses = [
        client.get(reverse("cases:settings_status_create", args=[type_pk])),
        client.post(reverse("cases:settings_status_create", args=[type_pk]), NEW_STATUS),
        client.get(reverse("cases:settings_status_edit", args=[type_pk, status.pk])),
        client.post(reverse("cases:settings_status_edit", args=[type_pk, status.pk]), NEW_STATUS),
        client.post(
            reverse("cases:settings_status_move", args=[type_pk, status.pk]), {"direction": "up"}
        ),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert _codes(status.case_type) == ["received", "investigating", "resolved", "rejected"]


def test_the_status_services_refuse_non_administrators(manager, case_types, statuses):
    status = statuses("complaint", "resolved")

    with pytest.raises(PermissionDenied):
        services_settings.status_create(
            user=manager, case_type=case_types["complaint"], data={"code": "x", "name_en": "X"}
        )
    with pytest.raises(PermissionDenied):
        services_settings.status_update(user=manager, status=status, data={"name_en": "Done"})
    with pytest.raises(PermissionDenied):
        services_settings.status_move(user=manager, status=status, offset=-1)

    assert CaseStatus.objects.get(pk=status.pk).name_en == "Resolved"
    assert _codes(case_types["complaint"]) == ["received", "investigating", "resolved", "rejected"]
