"""Action services: times (all-day, durations, working hours), links to entity, contact and
case, and the action types."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.actions import services
from relata.actions.models import Action
from relata.actions.tests.conftest import START
from relata.actions.tests.test_services import MADRID
from relata.core.models import Role
from relata.core.services import user_create

pytestmark = pytest.mark.django_db


# --- Times --------------------------------------------------------------------------------------


def test_the_end_defaults_to_the_types_duration(make_action):
    call = make_action(type="call")
    visit = make_action(type="visit")

    assert call.end - call.start == datetime.timedelta(minutes=15)
    assert visit.end - visit.start == datetime.timedelta(minutes=60)


def test_an_all_day_action_runs_from_midnight_to_midnight_local_time(make_action):
    start = datetime.datetime(2031, 3, 10, 15, 30, tzinfo=MADRID)

    one_day = make_action(all_day=True, start=start)
    three_days = make_action(
        all_day=True, start=start, end=datetime.datetime(2031, 3, 12, 9, 0, tzinfo=MADRID)
    )

    assert (one_day.start, one_day.end) == (
        datetime.datetime(2031, 3, 10, tzinfo=MADRID),
        datetime.datetime(2031, 3, 11, tzinfo=MADRID),
    )
    assert (three_days.start, three_days.end) == (
        datetime.datetime(2031, 3, 10, tzinfo=MADRID),
        datetime.datetime(2031, 3, 13, tzinfo=MADRID),
    )


def test_an_all_day_action_given_in_utc_keeps_its_local_day(make_action):
    # 23:30 UTC on the 9th is already the 10th in Madrid.
    action = make_action(
        all_day=True, start=datetime.datetime(2031, 3, 9, 23, 30, tzinfo=datetime.UTC)
    )

    assert action.start == datetime.datetime(2031, 3, 10, tzinfo=MADRID)


def test_switching_to_all_day_normalises_the_stored_times(make_action, agent):
    action = make_action(start=datetime.datetime(2031, 3, 10, 15, 30, tzinfo=MADRID))

    services.action_update(user=agent, action=action, data={"all_day": True})

    action.refresh_from_db()
    assert (action.all_day, action.start, action.end) == (
        True,
        datetime.datetime(2031, 3, 10, tzinfo=MADRID),
        datetime.datetime(2031, 3, 11, tzinfo=MADRID),
    )


def test_an_end_before_the_start_is_refused(make_action, agent):
    with pytest.raises(ValidationError) as error:
        make_action(end=START - datetime.timedelta(minutes=1))
    assert error.value.message_dict == {"end": ["The end must not be before the start."]}
    assert Action.objects.count() == 0

    action = make_action()
    with pytest.raises(ValidationError) as error:
        services.action_update(
            user=agent, action=action, data={"end": START - datetime.timedelta(minutes=1)}
        )
    assert error.value.message_dict == {"end": ["The end must not be before the start."]}
    action.refresh_from_db()
    assert action.end == START + datetime.timedelta(minutes=15)


def test_reschedule_keeps_the_duration(make_action, agent):
    action = make_action(type="visit")
    new_start = START + datetime.timedelta(days=2, hours=3)

    services.action_reschedule(user=agent, action=action, start=new_start)

    action.refresh_from_db()
    assert (action.start, action.end) == (new_start, new_start + datetime.timedelta(hours=1))


# --- Links ------------------------------------------------------------------------------------


def test_a_contact_of_another_entity_is_refused(make_action, admin_user, other_contact, agent):
    with pytest.raises(ValidationError) as error:
        make_action(user=admin_user, contact=other_contact)
    assert error.value.message_dict == {
        "contact": ["The contact must belong to the action's entity."]
    }

    action = make_action()
    with pytest.raises(ValidationError) as error:
        services.action_update(user=agent, action=action, data={"contact": other_contact})
    assert "contact" in error.value.message_dict
    assert Action.objects.get(pk=action.pk).contact is None


def test_moving_to_another_entity_with_the_old_contact_is_refused(
    make_action, admin_user, contact, other_entity
):
    action = make_action(contact=contact)

    with pytest.raises(ValidationError) as error:
        services.action_update(user=admin_user, action=action, data={"entity": other_entity})

    assert error.value.message_dict == {
        "contact": ["The contact must belong to the action's entity."]
    }
    assert Action.objects.get(pk=action.pk).entity == contact.entity


def test_moving_to_an_entity_one_cannot_see_is_refused(make_action, agent, other_entity):
    action = make_action()

    with pytest.raises(ValidationError) as error:
        services.action_update(user=agent, action=action, data={"entity": other_entity})

    assert error.value.message_dict == {"entity": ["You cannot see that entity."]}


def test_an_inactive_type_cannot_be_chosen_but_existing_actions_keep_it(
    make_action, agent, admin_user, action_types
):
    action = make_action(type="email")
    services.action_type_update(
        user=admin_user, action_type=action_types["email"], data={"is_active": False}
    )

    with pytest.raises(ValidationError) as error:
        make_action(type="email")
    assert error.value.message_dict == {"type": ["That action type is no longer in use."]}
    # Changing something else keeps the old type, whether the form sends it again or not.
    services.action_update(user=agent, action=action, data={"subject": "Still an email"})
    services.action_update(
        user=agent, action=action, data={"location": "Online", "type": action.type}
    )
    action.refresh_from_db()
    assert (action.subject, action.location, action.type.code) == (
        "Still an email",
        "Online",
        "email",
    )


def test_an_attendee_contact_one_cannot_see_is_refused(make_action, other_contact, contact):
    with pytest.raises(ValidationError) as error:
        make_action(type="meeting", attendee_contacts=[contact, other_contact])

    assert error.value.message_dict == {"attendee_contacts": ["You cannot see Oscar Vidal."]}
    assert Action.objects.count() == 0


# --- Action types ------------------------------------------------------------------------------


def test_only_administrators_define_action_types(agent, manager, admin_user):
    data = {"code": "demo", "name_en": "Product demo", "colour": "#123456", "icon": "display"}
    for user in (agent, manager):
        with pytest.raises(PermissionDenied):
            services.action_type_create(user=user, data=data)

    action_type = services.action_type_create(user=admin_user, data=data)

    assert (action_type.code, action_type.name, action_type.default_duration) == (
        "demo",
        "Product demo",
        30,
    )


def test_an_action_type_with_a_bad_colour_is_refused(admin_user):
    with pytest.raises(ValidationError) as error:
        services.action_type_create(
            user=admin_user, data={"code": "x", "name_en": "X", "colour": "blue"}
        )

    assert error.value.message_dict == {
        "colour": ["Enter a colour as #RRGGBB, for example #0d6efd."]
    }


def test_bulk_reassignment_keeps_each_actions_team_when_the_new_owner_is_in_it(
    make_action, admin_user, agent, other_agent, other_entity, team, other_team
):
    both = user_create(
        by=None,
        username="bea",
        password="x-Long-passw0rd!",
        role=Role.AGENT,
        teams=[team, other_team],
    )
    north = make_action(subject="North")
    south = make_action(user=other_agent, entity=other_entity, subject="South")

    changed = services.action_reassign(
        user=admin_user, actions=[north, south], owner=both, team=None
    )

    assert changed == 2
    north.refresh_from_db()
    south.refresh_from_db()
    assert (north.owner, north.team) == (both, team)
    assert (south.owner, south.team) == (both, other_team)
