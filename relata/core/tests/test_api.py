"""REST API: token authentication, parameters, users, teams, errors and the schema."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate

from conftest import PASSWORD
from relata.api.models import ApiToken
from relata.core.models import CrmParameters, Team

pytestmark = pytest.mark.django_db


def obtain_token(client, username, password=PASSWORD):
    return client.post(
        reverse("api-token"), {"username": username, "password": password}, format="json"
    )


def test_token_with_wrong_password_is_401_json(api_client, agent):
    response = obtain_token(api_client, "alex", "not-the-password")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The username or password is not correct.",
        "code": "authentication_failed",
    }
    assert ApiToken.objects.count() == 0


def test_token_with_right_password_works_on_parameters(api_client, agent):
    token = obtain_token(api_client, "alex").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.get(reverse("api-parameters"))

    assert response.status_code == 200
    assert response.json()["default_currency"] == "EUR"
    assert response.json()["finished_actions_editable"] is False
    stored = ApiToken.objects.get()
    assert stored.user == agent
    assert stored.digest != token and token not in stored.digest  # only the digest is kept


def test_missing_fields_give_field_errors(api_client):
    response = api_client.post(reverse("api-token"), {"username": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"password": ["This field is required."]}
    assert response.json()["detail"] == "This field is required."


def test_bad_and_expired_tokens_are_refused(api_client, agent):
    token = obtain_token(api_client, "alex").json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert api_client.get(reverse("api-parameters")).status_code == 401

    ApiToken.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get(reverse("api-parameters"))
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or expired token."


def test_anonymous_request_is_401(api_client):
    response = api_client.get(reverse("api-parameters"))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_agent_can_read_but_not_change_parameters(api_client, agent):
    api_client.force_authenticate(agent)

    read = api_client.get(reverse("api-parameters"))
    patch = api_client.patch(
        reverse("api-parameters"), {"finished_actions_editable": True}, format="json"
    )
    put = api_client.put(
        reverse("api-parameters"), {**read.json(), "default_currency": "USD"}, format="json"
    )

    assert read.status_code == 200
    assert patch.status_code == 403
    assert put.status_code == 403
    assert patch.json()["code"] == "permission_denied"
    params = CrmParameters.objects.get()
    assert (params.finished_actions_editable, params.default_currency) == (False, "EUR")


def test_admin_changes_parameters_and_history_records_it(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        reverse("api-parameters"),
        {
            "finished_actions_editable": True,
            "default_currency": "usd",
            "working_days": [1, 2, 3, 4],
            "open_case_status_codes": ["new", "in_progress"],
        },
        format="json",
    )

    assert response.status_code == 200
    params = CrmParameters.objects.get()
    assert params.finished_actions_editable is True
    assert params.default_currency == "USD"
    assert params.working_days == [1, 2, 3, 4]
    assert params.open_case_status_codes == ["new", "in_progress"]
    last = params.history.first()
    assert last.history_user == admin_user


def test_invalid_parameters_are_refused_with_field_messages(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        reverse("api-parameters"),
        {
            "default_currency": "XYZ",
            "default_country": "QQ",
            "working_days": [9],
        },
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["default_currency"] == ["“XYZ” is not an ISO 4217 currency code."]
    assert errors["default_country"] == ["“QQ” is not an ISO 3166 country code."]
    assert errors["working_days"] == {"0": ["Ensure this value is less than or equal to 7."]}
    assert CrmParameters.objects.get().default_currency == "EUR"


def test_working_day_must_end_after_it_starts(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        reverse("api-parameters"),
        {"work_day_start": "18:00", "work_day_end": "09:00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "work_day_end": ["The working day must end after it starts."]
    }


def test_users_are_readable_and_paginated(api_client, agent, admin_user, manager):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("user-list"), {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [u["username"] for u in body["results"]] == ["ada", "alex"]
    assert body["next"].endswith("page=2&page_size=2")
    assert api_client.post(reverse("user-list"), {"username": "x"}).status_code == 405


def test_agent_cannot_create_teams_admin_can(api_client, agent, admin_user):
    api_client.force_authenticate(agent)
    denied = api_client.post(reverse("team-list"), {"name": "East"}, format="json")
    api_client.force_authenticate(admin_user)
    created = api_client.post(
        reverse("team-list"), {"name": "East", "members": [agent.pk]}, format="json"
    )

    assert denied.status_code == 403
    assert created.status_code == 201
    assert list(Team.objects.get(name="East").members.all()) == [agent]


def test_schema_is_valid_openapi_3(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("api-schema"))

    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/parameters/" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_docs_page_serves_without_cdn(client, agent):
    client.force_login(agent)

    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content
    assert b"swagger-ui" in response.content
