"""The rules of actions in the services: finished actions, completing with a follow-up,
reassignment history, calendar sequence, times, links, attendees and action types."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.actions import services
from relata.actions.models import Action, ActionStatus, ActionType
from relata.actions.tests.conftest import START
from relata.core.models import Notification
from relata.core.selectors import parameters_get
from relata.core.services import parameters_update

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
READ_ONLY_MESSAGE = (
    "This action is {status} and can no longer be changed: the general parameters do not "
    "allow editing finished actions."
)


@pytest.fixture
def done(make_action, agent):
    """The agent's call, completed with an outcome."""
    action = make_action(subject="Renewal call")
    services.action_complete(user=agent, action=action, outcome="Interested")
    return action


@pytest.fixture
def cancelled(make_action, agent):
    action = make_action(subject="Cancelled call")
    services.action_cancel(user=agent, action=action)
    return action


# --- "Finished actions may be edited" -----------------------------------------------------


def test_the_parameter_is_off_by_default():
    assert parameters_get().finished_actions_editable is False


FINISHED_WRITES = {
    "update": lambda user, action: services.action_update(
        user=user, action=action, data={"subject": "Changed"}
    ),
    "reschedule": lambda user, action: services.action_reschedule(
        user=user, action=action, start=START + datetime.timedelta(days=1)
    ),
    "cancel": lambda user, action: services.action_cancel(user=user, action=action),
    "delete": lambda user, action: services.action_delete(user=user, action=action),
}


@pytest.mark.parametrize("write", sorted(FINISHED_WRITES))
@pytest.mark.parametrize("role", ["agent", "manager"])
@pytest.mark.parametrize("finished", ["done", "cancelled"])
def test_when_off_a_finished_action_is_read_only_for_its_owner_and_manager(
    request, role, finished, write
):
    action = request.getfixturevalue(finished)
    user = request.getfixturevalue(role)
    before = (action.subject, action.status, action.start, action.sequence)
    history = action.history.count()

    with pytest.raises(PermissionDenied) as error:
        FINISHED_WRITES[write](user, action)

    label = "done" if finished == "done" else "cancelled"
    assert str(error.value) == READ_ONLY_MESSAGE.format(status=label)
    action = Action.objects.get(pk=action.pk)
    assert (action.subject, action.status, action.start, action.sequence) == before
    assert action.history.count() == history


def test_when_off_a_finished_action_cannot_be_reassigned_or_taken(done, manager, agent, reader):
    with pytest.raises(PermissionDenied, match="can no longer be changed"):
        services.action_reassign(user=manager, actions=[done], owner=reader, team=None)
    with pytest.raises(PermissionDenied, match="can no longer be changed"):
        services.action_take(user=agent, action=done)

    done.refresh_from_db()
    assert done.owner == agent


@pytest.mark.parametrize("write", sorted(FINISHED_WRITES))
def test_when_off_an_administrator_still_changes_a_finished_action(done, admin_user, write):
    FINISHED_WRITES[write](admin_user, done)

    if write == "delete":
        assert not Action.objects.filter(pk=done.pk).exists()
    else:
        done.refresh_from_db()
        assert done.history.first().history_user == admin_user


def test_when_on_the_owner_edits_a_finished_action(done, agent, admin_user):
    parameters_update(user=admin_user, data={"finished_actions_editable": True})

    services.action_update(
        user=agent,
        action=done,
        data={"outcome": "Very interested", "result_notes": "Wants a quote"},
    )

    done.refresh_from_db()
    assert (done.status, done.outcome, done.result_notes) == (
        ActionStatus.DONE,
        "Very interested",
        "Wants a quote",
    )


def test_when_on_a_done_action_may_be_cancelled_and_deleted_by_its_owner(
    done, agent, finished_actions_editable
):
    finished_actions_editable(True)

    services.action_cancel(user=agent, action=done)
    assert Action.objects.get(pk=done.pk).status == ActionStatus.CANCELLED
    services.action_delete(user=agent, action=done)
    assert not Action.objects.filter(pk=done.pk).exists()


def test_when_on_the_permission_layer_still_applies(
    done, other_agent, reader, manager, finished_actions_editable
):
    finished_actions_editable(True)

    for user in (other_agent, reader):
        with pytest.raises(PermissionDenied):
            services.action_update(user=user, action=done, data={"outcome": "Lost"})
    services.action_update(user=manager, action=done, data={"outcome": "Lost"})
    done.refresh_from_db()
    assert done.outcome == "Lost"


def test_turning_the_parameter_off_again_locks_the_action_again(
    done, agent, finished_actions_editable
):
    finished_actions_editable(True)
    services.action_update(user=agent, action=done, data={"subject": "Edited"})
    finished_actions_editable(False)

    with pytest.raises(PermissionDenied, match="can no longer be changed"):
        services.action_update(user=agent, action=done, data={"subject": "Again"})

    done.refresh_from_db()
    assert done.subject == "Edited"


# --- Completing -------------------------------------------------------------------------------


def test_complete_records_outcome_notes_and_time(make_action, agent):
    action = make_action()

    done, follow_up = services.action_complete(
        user=agent, action=action, outcome="  Interested  ", result_notes=" Call back in May "
    )

    action.refresh_from_db()
    assert (action.status, action.outcome, action.result_notes) == (
        ActionStatus.DONE,
        "Interested",
        "Call back in May",
    )
    assert action.done_at is not None
    assert follow_up is None
    assert done == action


def test_complete_without_a_needed_outcome_is_refused(make_action, agent, action_types):
    action = make_action(type="call")
    assert action_types["call"].needs_outcome

    with pytest.raises(ValidationError) as error:
        services.action_complete(user=agent, action=action, outcome="   ")

    assert error.value.message_dict == {
        "outcome": ["Enter the outcome: actions of type Phone call need one."]
    }
    action.refresh_from_db()
    assert (action.status, action.done_at) == (ActionStatus.PLANNED, None)


def test_complete_without_outcome_is_fine_for_types_that_need_none(
    make_action, agent, action_types
):
    action = make_action(type="task")
    assert not action_types["task"].needs_outcome

    services.action_complete(user=agent, action=action)

    action.refresh_from_db()
    assert (action.status, action.outcome) == (ActionStatus.DONE, "")


def test_a_finished_action_cannot_be_completed_again(done, cancelled, agent, admin_user):
    for action, label in ((done, "done"), (cancelled, "cancelled")):
        with pytest.raises(ValidationError) as error:
            services.action_complete(user=admin_user, action=action, outcome="Again")
        assert error.value.message_dict == {
            "status": [f"Only a planned action can be completed; this one is {label}."]
        }


def test_done_and_schedule_next_creates_the_follow_up(make_action, agent, team, contact):
    action = make_action(contact=contact)
    next_start = START + datetime.timedelta(days=7)

    done, follow_up = services.action_complete(
        user=agent,
        action=action,
        outcome="Wants a visit",
        next_action={
            "type": ActionType.objects.get(code="visit"),
            "subject": "Visit Acme",
            "start": next_start,
        },
    )

    assert follow_up is not None
    follow_up.refresh_from_db()
    assert done.status == ActionStatus.DONE
    assert follow_up.follows == done
    assert list(done.follow_ups.all()) == [follow_up]
    assert (follow_up.entity, follow_up.contact, follow_up.owner, follow_up.team) == (
        action.entity,
        contact,
        agent,
        team,
    )
    assert (follow_up.status, follow_up.subject, follow_up.type.code) == (
        ActionStatus.PLANNED,
        "Visit Acme",
        "visit",
    )
    # The visit's default duration is 60 minutes.
    assert (follow_up.start, follow_up.end) == (
        next_start,
        next_start + datetime.timedelta(hours=1),
    )


def test_the_follow_up_keeps_a_team_action_with_the_team(make_action, agent, team, action_types):
    action = make_action(owner=None, team=team, type="task")

    _done, follow_up = services.action_complete(
        user=agent,
        action=action,
        next_action={"type": action_types["task"], "subject": "Next", "start": START},
    )

    assert follow_up is not None
    assert (follow_up.owner, follow_up.team) == (None, team)


def test_a_manager_completes_and_gives_the_follow_up_to_a_team_member(
    make_action, manager, reader, agent, action_types
):
    action = make_action()

    _done, follow_up = services.action_complete(
        user=manager,
        action=action,
        outcome="OK",
        next_action={
            "type": action_types["call"],
            "subject": "Next",
            "start": START,
            "owner": reader,
        },
    )

    assert follow_up is not None
    assert follow_up.owner == reader
    assert Notification.objects.get().user == reader


def test_a_bad_follow_up_undoes_the_completion_and_names_its_fields(
    make_action, agent, action_types
):
    action = make_action()

    with pytest.raises(ValidationError) as error:
        services.action_complete(
            user=agent,
            action=action,
            outcome="OK",
            next_action={
                "type": action_types["call"],
                "subject": " ",
                "start": START,
                "end": START - datetime.timedelta(hours=1),
            },
        )

    assert error.value.message_dict == {"next_subject": ["Enter a subject."]}
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED
    assert Action.objects.count() == 1


def test_a_follow_up_that_ends_before_it_starts_is_refused(make_action, agent, action_types):
    action = make_action()

    with pytest.raises(ValidationError) as error:
        services.action_complete(
            user=agent,
            action=action,
            outcome="OK",
            next_action={
                "type": action_types["call"],
                "subject": "Next",
                "start": START,
                "end": START - datetime.timedelta(hours=1),
            },
        )

    assert error.value.message_dict == {"next_end": ["The end must not be before the start."]}
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_an_agent_cannot_give_the_follow_up_away(make_action, agent, manager, action_types):
    action = make_action()

    with pytest.raises(PermissionDenied):
        services.action_complete(
            user=agent,
            action=action,
            outcome="OK",
            next_action={
                "type": action_types["call"],
                "subject": "Next",
                "start": START,
                "owner": manager,
            },
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED
    assert Action.objects.count() == 1


# --- Reassignment history and notification -----------------------------------------------------


def test_reassignment_is_recorded_in_the_history_and_notified(make_action, manager, agent, reader):
    action = make_action(subject="Quote follow-up")

    services.action_reassign(user=manager, actions=[action], owner=reader, team=None)

    latest, previous = action.history.order_by("-history_id")[:2]
    assert latest.history_type == "~"
    assert latest.history_user == manager
    assert (previous.owner_id, latest.owner_id) == (agent.pk, reader.pk)
    assert [c.field for c in latest.diff_against(previous).changes] == ["owner"]
    notification = Notification.objects.get()
    assert (notification.user, notification.title, notification.url) == (
        reader,
        "Maria gave you an action: Quote follow-up",
        f"/actions/{action.pk}/",
    )


def test_reassigning_to_the_same_assignee_changes_nothing(make_action, manager, agent, team):
    action = make_action()

    changed = services.action_reassign(user=manager, actions=[action], owner=agent, team=team)

    assert changed == 0
    action.refresh_from_db()
    assert (action.sequence, action.history.count()) == (0, 1)
    assert Notification.objects.count() == 0


def test_giving_an_action_to_the_team_only_leaves_it_unassigned(make_action, manager, team):
    action = make_action()

    services.action_reassign(user=manager, actions=[action], owner=None, team=team)

    action.refresh_from_db()
    assert (action.owner, action.team) == (None, team)
    assert Notification.objects.count() == 0


def test_taking_is_recorded_in_the_history(make_action, manager, agent, team):
    action = make_action(user=manager, owner=None, team=team)

    services.action_take(user=agent, action=action)

    latest = action.history.order_by("-history_id").first()
    assert (latest.history_user, latest.owner_id, latest.team_id) == (agent, agent.pk, team.pk)


# --- The calendar sequence ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "raised"),
    [
        ({"subject": "New subject"}, True),
        ({"description": "New description"}, True),
        ({"location": "Their office"}, True),
        ({"start": START + datetime.timedelta(minutes=5)}, True),
        ({"end": START + datetime.timedelta(hours=2)}, True),
        ({"all_day": True}, True),
        ({"priority": "high"}, False),
        ({"due_date": datetime.date(2031, 3, 20)}, False),
        ({"subject": "Call about the renewal"}, False),
        # The same moment in another time zone is no change.
        ({"start": START.astimezone(MADRID)}, False),
    ],
)
def test_sequence_rises_on_calendar_visible_changes_only(make_action, agent, data, raised):
    action = make_action()
    assert action.sequence == 0

    services.action_update(user=agent, action=action, data=data)

    action.refresh_from_db()
    assert action.sequence == (1 if raised else 0)


def test_outcome_corrections_do_not_raise_the_sequence(done, agent, finished_actions_editable):
    finished_actions_editable(True)
    sequence = Action.objects.get(pk=done.pk).sequence

    services.action_update(
        user=agent, action=done, data={"outcome": "Changed", "result_notes": "More"}
    )

    assert Action.objects.get(pk=done.pk).sequence == sequence


def test_each_change_raises_the_sequence_once_more(make_action, agent, manager, reader):
    action = make_action()

    services.action_update(user=agent, action=action, data={"subject": "One"})
    services.action_reschedule(user=agent, action=action, start=START + datetime.timedelta(days=1))
    services.action_reassign(user=manager, actions=[action], owner=reader, team=None)
    services.action_cancel(user=manager, action=action)

    action.refresh_from_db()
    assert action.sequence == 4


def test_changing_meeting_attendees_raises_the_sequence(make_action, agent, manager, contact):
    meeting = make_action(type="meeting", attendee_users=[manager])
    assert list(meeting.attendee_users.all()) == [manager]

    services.action_update(user=agent, action=meeting, data={}, attendee_contacts=[contact])
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert list(meeting.attendee_contacts.all()) == [contact]

    # The same attendees again: nothing changes.
    services.action_update(
        user=agent, action=meeting, data={}, attendee_users=[manager], attendee_contacts=[contact]
    )
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_only_meetings_have_attendees(make_action, manager, contact):
    call = make_action(type="call", attendee_users=[manager], attendee_contacts=[contact])

    assert (call.attendee_users.count(), call.attendee_contacts.count()) == (0, 0)
