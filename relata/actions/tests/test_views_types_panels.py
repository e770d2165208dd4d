"""Action pages through the test client: the action types settings, the actions panels of
the entity and contact pages, navigation and sending a meeting invitation again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.actions.models import ActionType
from relata.actions.tests.test_views import _finish

pytestmark = pytest.mark.django_db


# --- Action types settings ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "agent", "reader"])
def test_action_types_are_for_administrators_only(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("actions:type_list")).status_code == 403
    assert client.get(reverse("actions:type_create")).status_code == 403
    assert client.post(reverse("actions:type_create"), {}).status_code == 403


def test_administrator_adds_and_changes_a_type(client, admin_user):
    client.force_login(admin_user)

    listing = client.get(reverse("actions:type_list"))
    created = client.post(
        reverse("actions:type_create"),
        {
            "code": "demo",
            "name_en": "Product demo",
            "name_es": "Demostración",
            "icon": "display",
            "colour": "#aa3300",
            "default_duration": 90,
            "is_meeting": "on",
            "order": 8,
            "is_active": "on",
        },
    )
    demo = ActionType.objects.get(code="demo")
    edited = client.post(
        reverse("actions:type_edit", args=[demo.pk]),
        {
            "name_en": "Live demo",
            "name_es": "Demostración",
            "icon": "display",
            "colour": "#aa3300",
            "default_duration": 60,
            "order": 8,
            "needs_outcome": "on",
        },
    )

    assert listing.status_code == 200
    assert b"Phone call" in listing.content or b"call" in listing.content
    assert created.status_code == 302
    assert edited.status_code == 302
    demo.refresh_from_db()
    assert (demo.code, demo.name_en, demo.default_duration, demo.is_meeting) == (
        "demo",
        "Live demo",
        60,
        False,
    )
    assert (demo.needs_outcome, demo.is_active) == (True, False)


def test_type_form_shows_validation_errors(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("actions:type_create"),
        {
            "code": "call",
            "name_en": "Duplicate",
            "icon": "Not An Icon",
            "colour": "red",
            "default_duration": 30,
            "order": 0,
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert {"code", "icon", "colour"} <= set(errors)


def test_settings_page_links_the_action_types(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("core:settings"))

    assert reverse("actions:type_list").encode() in response.content


# --- Panels and navigation ----------------------------------------------------------------


def test_entity_page_shows_the_actions_panel(client, agent, entity, make_action):
    planned = make_action(subject="Next visit")
    done = make_action(subject="First call")
    _finish(done)
    client.force_login(agent)

    response = client.get(entity.get_absolute_url())

    html = response.content.decode()
    assert 'id="actions-panel"' in html
    assert f'href="{reverse("actions:create")}?entity={entity.pk}&amp;next=' in html
    assert 'id="schedule-action"' in html
    assert html.index("Next visit") < html.index("Recently done") < html.index("First call")
    assert planned.get_absolute_url() in html


def test_contact_page_shows_its_actions(client, agent, contact, make_action):
    make_action(subject="Call Carmen", contact=contact)
    make_action(subject="Call someone else")
    client.force_login(agent)

    response = client.get(contact.get_absolute_url())

    html = response.content.decode()
    assert "Call Carmen" in html
    assert "Call someone else" not in html
    assert f"contact={contact.pk}" in html


def test_reader_gets_no_schedule_button(client, reader, entity):
    client.force_login(reader)

    response = client.get(entity.get_absolute_url())

    assert b'id="actions-panel"' in response.content
    assert b'id="schedule-action"' not in response.content


def test_agenda_is_the_current_area(client, agent):
    client.force_login(agent)

    response = client.get(reverse("actions:list"))

    assert response.context["nav_current"] == "agenda"


def test_resend_sends_the_meeting_invitation_again(
    client, agent, manager, make_action, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_action(type="meeting", subject="Review", attendee_users=[manager])
    first = len(smtp_server)
    assert first == 2  # the assignee and the attending manager
    client.force_login(agent)
    assert b'id="resend-invitations"' in client.get(meeting.get_absolute_url()).content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("actions:resend", args=[meeting.pk]))

    assert response.status_code == 302
    assert len(smtp_server) == first + 2


def test_resend_is_refused_for_a_call(client, agent, make_action, smtp_server):
    call = make_action(type="call")
    client.force_login(agent)

    assert b'id="resend-invitations"' not in client.get(call.get_absolute_url()).content
    response = client.post(reverse("actions:resend", args=[call.pk]), follow=True)

    assert "Only meetings send calendar invitations." in response.content.decode()
    assert smtp_server == []
