"""The parameter "case statuses that count as open" accepts only codes that a case status
has, on the page and through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.core.models import CrmParameters
from relata.core.selectors import parameters_get

pytestmark = pytest.mark.django_db

FORM = {
    "default_currency": "EUR",
    "default_country": "ES",
    "work_day_start": "09:00",
    "work_day_end": "18:00",
    "working_days": ["1", "2", "3", "4", "5"],
    "forecast_committed_probability": "70",
    "forecast_best_case_probability": "40",
}


def test_the_form_refuses_unknown_codes_and_names_them(client, admin_user):
    client.force_login(admin_user)
    before = parameters_get().open_case_status_codes

    response = client.post(
        reverse("core:parameters_edit"),
        {**FORM, "open_case_status_codes": "received, nowhere, in_progress, limbo"},
    )

    assert response.status_code == 200
    assert "Unknown status codes: nowhere, limbo." in response.content.decode()
    assert CrmParameters.objects.get().open_case_status_codes == before


def test_the_form_saves_codes_that_case_statuses_have(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("core:parameters_edit"),
        {**FORM, "open_case_status_codes": " received , decision_postponed"},
    )

    assert response.status_code == 302
    assert CrmParameters.objects.get().open_case_status_codes == [
        "received",
        "decision_postponed",
    ]


def test_the_form_accepts_an_empty_list(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("core:parameters_edit"), {**FORM, "open_case_status_codes": ""})

    assert response.status_code == 302
    assert CrmParameters.objects.get().open_case_status_codes == []


def test_the_api_refuses_unknown_codes_and_names_them(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        reverse("api-parameters"),
        {"open_case_status_codes": ["new", "ghost"]},
        format="json",
    )

    assert response.status_code == 400
    assert "Unknown status codes: ghost." in str(response.json())
    assert CrmParameters.objects.get().open_case_status_codes != ["new", "ghost"]


def test_the_api_saves_known_codes(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        reverse("api-parameters"),
        {"open_case_status_codes": ["new", "waiting_customer"]},
        format="json",
    )

    assert response.status_code == 200
    assert CrmParameters.objects.get().open_case_status_codes == ["new", "waiting_customer"]
