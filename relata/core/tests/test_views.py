"""HTML pages: settings, parameters, teams and users, with their permissions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.core.models import CrmParameters, Role, Team, User

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    response = client.get(reverse("core:parameters"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/settings/parameters/"


@pytest.mark.parametrize(
    "url_name",
    [
        "home",
        "core:settings",
        "core:parameters",
        "core:team_list",
        "core:user_list",
        "core:profile",
    ],
)
def test_every_role_can_open_the_main_pages(client, agent, url_name):
    client.force_login(agent)

    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize(
    "area",
    [
        "entities",
        "contacts",
        "agenda",
        "cases",
        "forecast",
        "campaigns",
        "email",
        "sales",
        "reports",
    ],
)
def test_areas_show_an_empty_state(client, agent, area):
    client.force_login(agent)

    response = client.get(reverse("core:area", args=[area]))

    assert response.status_code == 200
    assert "Nothing here yet" in response.content.decode()


def test_unknown_area_is_404(client, agent):
    client.force_login(agent)

    assert client.get(reverse("core:area", args=["nope"])).status_code == 404


def test_agent_gets_403_on_parameter_edit_and_nothing_changes(client, agent):
    client.force_login(agent)

    get = client.get(reverse("core:parameters_edit"))
    post = client.post(
        reverse("core:parameters_edit"),
        {
            "finished_actions_editable": "on",
            "default_currency": "USD",
            "default_country": "ES",
            "work_day_start": "08:00",
            "work_day_end": "17:00",
            "working_days": ["1"],
            "forecast_committed_probability": "70",
            "forecast_best_case_probability": "40",
        },
    )

    assert (get.status_code, post.status_code) == (403, 403)
    assert CrmParameters.objects.get_or_create(pk=1)[0].default_currency == "EUR"


def test_agent_sees_parameters_without_edit_button(client, agent):
    client.force_login(agent)

    page = client.get(reverse("core:parameters")).content.decode()

    assert reverse("core:parameters_edit") not in page
    assert "EUR" in page


def test_admin_edits_parameters_and_sees_the_change_in_history(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("core:parameters_edit"),
        {
            "finished_actions_editable": "on",
            "default_currency": "USD",
            "default_country": "PT",
            "work_day_start": "08:00",
            "work_day_end": "17:00",
            "working_days": ["1", "2", "3"],
            "open_case_status_codes": "new, waiting_customer",
            "forecast_committed_probability": "80",
            "forecast_best_case_probability": "50",
        },
    )
    page = client.get(reverse("core:parameters")).content.decode()

    assert response.status_code == 302
    params = CrmParameters.objects.get()
    assert params.default_currency == "USD"
    assert params.default_country == "PT"
    assert params.working_days == [1, 2, 3]
    assert params.open_case_status_codes == ["new", "waiting_customer"]
    assert '<del class="text-muted">EUR</del> → <strong>USD</strong>' in page


def test_parameter_form_errors_are_shown_and_nothing_saved(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("core:parameters_edit"),
        {
            "default_currency": "EUR",
            "default_country": "ES",
            "work_day_start": "18:00",
            "work_day_end": "09:00",
        },
    )

    assert response.status_code == 200
    assert "The working day must end after it starts." in response.content.decode()
    assert CrmParameters.objects.get_or_create(pk=1)[0].work_day_end.hour == 18


def test_admin_creates_edits_and_deletes_a_team(client, admin_user, agent):
    client.force_login(admin_user)

    client.post(
        reverse("core:team_create"),
        {"name": " East ", "description": "New", "is_active": "on", "members": [agent.pk]},
    )
    team = Team.objects.get(name="East")
    client.post(
        reverse("core:team_edit", args=[team.pk]),
        {"name": "East coast", "description": "New", "is_active": "on", "members": []},
    )
    team.refresh_from_db()
    detail = client.get(team.get_absolute_url()).content.decode()
    delete = client.post(reverse("core:team_delete", args=[team.pk]))

    assert team.name == "East coast"
    assert '<del class="text-muted">East</del> → <strong>East coast</strong>' in detail
    assert delete.status_code == 302
    assert not Team.objects.filter(name="East coast").exists()
    assert User.objects.filter(pk=agent.pk).exists()


def test_duplicate_team_name_is_refused(client, admin_user, team):
    client.force_login(admin_user)

    response = client.post(reverse("core:team_create"), {"name": "North", "is_active": "on"})

    assert response.status_code == 200
    assert "Team with this Name already exists." in response.content.decode()
    assert Team.objects.filter(name="North").count() == 1


def test_agent_cannot_create_or_delete_teams(client, agent, team):
    client.force_login(agent)

    assert client.post(reverse("core:team_create"), {"name": "X"}).status_code == 403
    assert client.post(reverse("core:team_delete", args=[team.pk])).status_code == 403
    assert client.get(reverse("core:team_delete", args=[team.pk])).status_code in (403, 405)
    assert list(Team.objects.values_list("name", flat=True)) == ["North"]


def test_admin_creates_a_user_with_role_and_teams(client, admin_user, team):
    client.force_login(admin_user)

    response = client.post(
        reverse("core:user_create"),
        {
            "username": "nina",
            "first_name": "Nina",
            "last_name": "Ruiz",
            "email": "nina@example.com",
            "role": Role.MANAGER,
            "is_active": "on",
            "teams": [team.pk],
            "password": "a-long-enough-passphrase-1",
        },
    )

    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert (nina.role, list(nina.teams.all())) == (Role.MANAGER, [team])
    assert nina.check_password("a-long-enough-passphrase-1")


def test_user_email_over_320_characters_is_refused(client, admin_user):
    client.force_login(admin_user)
    address = "a" * 64 + "@" + ".".join(["b" * 63] * 4)  # 64 + 1 + 255 = 320… plus one
    address = "x" + address

    response = client.post(
        reverse("core:user_create"),
        {"username": "long", "email": address, "role": Role.AGENT, "is_active": "on"},
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="long").exists()
    assert "320" in response.content.decode()


def test_agent_cannot_edit_users(client, agent, manager):
    client.force_login(agent)

    response = client.post(
        reverse("core:user_edit", args=[manager.pk]), {"username": "maria", "role": Role.AGENT}
    )

    assert response.status_code == 403
    assert User.objects.get(pk=manager.pk).role == Role.MANAGER


def test_admin_cannot_drop_own_admin_role(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("core:user_edit", args=[admin_user.pk]),
        {"username": "ada", "role": Role.AGENT, "is_active": "on"},
    )

    assert response.status_code == 200
    assert "You cannot remove your own administrator role." in response.content.decode()
    assert User.objects.get(pk=admin_user.pk).role == Role.ADMINISTRATOR


def test_user_list_filters_sorts_and_renders_the_fragment_for_htmx(
    client, admin_user, agent, manager
):
    client.force_login(admin_user)

    full = client.get(reverse("core:user_list"), {"q": "ma", "sort": "-username"})
    fragment = client.get(reverse("core:user_list"), {"q": "alex"}, HTTP_HX_REQUEST="true")

    assert "maria" in full.content.decode()
    assert "alex" not in full.content.decode()
    assert "<html" not in fragment.content.decode()
    assert "alex" in fragment.content.decode()


def test_user_list_query_count_does_not_grow_with_users(
    client, admin_user, team, django_assert_max_num_queries
):
    from relata.core.services import user_create

    for n in range(30):
        user_create(by=None, username=f"user{n:02}", password=None, teams=[team])
    client.force_login(admin_user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("core:user_list"))

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 31


def test_profile_changes_own_name_but_not_role(client, agent):
    client.force_login(agent)

    client.post(
        reverse("core:profile"),
        {
            "first_name": "Alexandra",
            "last_name": "Gil",
            "email": "alex@example.com",
            "role": "administrator",
        },
    )
    agent.refresh_from_db()

    assert (agent.first_name, agent.role) == ("Alexandra", Role.AGENT)


def test_search_finds_users_and_teams(client, agent, team):
    client.force_login(agent)

    page = client.get(reverse("search"), {"q": "nor"}).content.decode()
    empty = client.get(reverse("search"), {"q": "zzzz"}).content.decode()

    assert "North" in page
    assert "Nothing matches “zzzz”" in empty


def test_spanish_interface(client, agent):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})

    page = client.get(reverse("core:settings")).content.decode()

    assert "Ajustes" in page
    assert 'lang="es"' in page


def test_django_admin_is_for_administrators_only(client, agent, admin_user):
    client.force_login(agent)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_health_answers_ok(client):
    response = client.get("/healthz")

    assert (response.status_code, response.content) == (200, b"ok")


def test_profile_language_applies_until_the_switch_is_used(client, agent):
    agent.language = "es"
    agent.save()
    client.force_login(agent)

    by_profile = client.get(reverse("core:settings")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    by_switch = client.get(reverse("core:settings")).content.decode()

    assert "Ajustes" in by_profile
    assert "Ajustes" not in by_switch


def test_user_created_without_password_can_reset_it(client, admin_user, smtp_server):
    client.force_login(admin_user)
    client.post(
        reverse("core:user_create"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "role": Role.AGENT,
            "is_active": "on",
        },
    )
    client.logout()

    client.post(reverse("password_reset"), {"email": "newbie@example.com"})

    assert [m["To"] for m in smtp_server] == ["newbie@example.com"]


def test_admin_renames_a_user(client, admin_user, agent):
    client.force_login(admin_user)

    client.post(
        reverse("core:user_edit", args=[agent.pk]),
        {"username": "alexandra", "role": Role.AGENT, "is_active": "on"},
    )

    assert User.objects.get(pk=agent.pk).username == "alexandra"


def test_forbidden_page_is_the_products_own(client, agent):
    client.force_login(agent)

    response = client.get(reverse("core:parameters_edit"))

    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()


def test_unknown_page_is_a_friendly_404(client, agent):
    client.force_login(agent)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unknown_api_address_answers_json(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_user_page_shows_the_role_history(client, admin_user, agent):
    client.force_login(admin_user)
    client.post(
        reverse("core:user_edit", args=[agent.pk]),
        {"username": "alex", "role": Role.MANAGER, "is_active": "on"},
    )

    page = client.get(reverse("core:user_edit", args=[agent.pk])).content.decode()

    assert '<del class="text-muted">Agent</del> → <strong>Manager</strong>' in page


def test_the_best_case_threshold_cannot_be_above_the_committed_one(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("core:parameters_edit"),
        {
            "default_currency": "EUR",
            "default_country": "ES",
            "work_day_start": "09:00",
            "work_day_end": "18:00",
            "working_days": ["1"],
            "forecast_committed_probability": "50",
            "forecast_best_case_probability": "60",
        },
    )

    assert response.status_code == 200
    assert "The best-case threshold cannot be above the committed one." in response.content.decode()
    assert CrmParameters.objects.get().forecast_best_case_probability == 40


def test_every_navigation_item_opens_for_an_agent(client, agent):
    from relata.core.context_processors import NAVIGATION

    client.force_login(agent)

    for item in NAVIGATION:
        response = client.get(item.url)
        assert response.status_code == 200, item.key
        # The item of the page is the one marked as current.
        assert response.context["nav_current"] == item.key, item.key
