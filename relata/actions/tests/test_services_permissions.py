"""Who may see, create, change, complete, cancel, reassign, take and delete which actions.

Roles (root conftest): ``agent``, ``manager`` and ``reader`` are in ``team``;
``other_agent`` is in ``other_team``; ``admin_user`` is in none. ``entity`` belongs to
``agent`` in ``team``; ``other_entity`` to ``other_agent`` in ``other_team``.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.actions import selectors, services
from relata.actions.models import Action, ActionStatus
from relata.actions.tests.conftest import START
from relata.core.models import Notification

pytestmark = pytest.mark.django_db


def _visible_to(user) -> set[int]:
    return set(selectors.action_queryset(user=user).values_list("pk", flat=True))


# --- Seeing ---------------------------------------------------------------------------


def test_each_role_sees_the_actions_of_its_teams_and_no_others(
    make_action, admin_user, manager, agent, other_agent, reader, other_entity
):
    mine = make_action(subject="Agent's call")
    team_only = make_action(subject="For the team", owner=None, team=agent.teams.get())
    managers = make_action(user=manager, subject="Manager's call")
    outside = make_action(user=other_agent, entity=other_entity, subject="Outside")

    assert _visible_to(admin_user) == {mine.pk, team_only.pk, managers.pk, outside.pk}
    assert _visible_to(manager) == {mine.pk, team_only.pk, managers.pk}
    assert _visible_to(agent) == {mine.pk, team_only.pk, managers.pk}
    assert _visible_to(reader) == {mine.pk, team_only.pk, managers.pk}
    assert _visible_to(other_agent) == {outside.pk}
    with pytest.raises(Action.DoesNotExist):
        selectors.action_get(user=other_agent, pk=mine.pk)
    assert selectors.action_get(user=reader, pk=mine.pk) == mine


def test_an_inactive_user_sees_nothing(make_action, agent):
    make_action()
    agent.is_active = False
    agent.save()

    assert _visible_to(agent) == set()


# --- Creating -------------------------------------------------------------------------


def test_an_agents_new_action_is_theirs_in_their_team(make_action, agent, team):
    action = make_action()

    assert (action.owner, action.team, action.created_by) == (agent, team, agent)
    assert action.status == ActionStatus.PLANNED


def test_a_reader_cannot_create_an_action(make_action, reader):
    with pytest.raises(PermissionDenied):
        make_action(user=reader)

    assert Action.objects.count() == 0


def test_an_action_for_an_entity_one_cannot_see_is_refused(make_action, other_agent):
    with pytest.raises(ValidationError) as error:
        make_action(user=other_agent)

    assert error.value.message_dict == {"entity": ["You cannot see that entity."]}
    assert Action.objects.count() == 0


def test_an_agent_cannot_give_a_new_action_to_a_colleague(make_action, manager):
    with pytest.raises(PermissionDenied, match="You cannot give this action to that user"):
        make_action(owner=manager)

    assert Action.objects.count() == 0


def test_an_agent_may_leave_a_new_action_to_their_team_but_not_to_another(
    make_action, team, other_team
):
    action = make_action(owner=None, team=team)

    assert (action.owner, action.team) == (None, team)
    with pytest.raises(PermissionDenied):
        make_action(owner=None, team=other_team)
    assert Action.objects.count() == 1


def test_a_manager_gives_a_new_action_to_a_team_member_and_it_is_notified(
    make_action, manager, agent, team
):
    action = make_action(user=manager, owner=agent, subject="Visit Acme")

    assert (action.owner, action.team, action.created_by) == (agent, team, manager)
    notification = Notification.objects.get()
    assert notification.user == agent
    assert notification.title == "Maria gave you an action: Visit Acme"
    assert notification.url == f"/actions/{action.pk}/"


def test_a_manager_cannot_give_a_new_action_to_someone_outside_their_teams(
    make_action, manager, other_agent
):
    with pytest.raises(PermissionDenied):
        make_action(user=manager, owner=other_agent)

    assert Action.objects.count() == 0
    assert Notification.objects.count() == 0


def test_an_administrator_gives_a_new_action_to_anyone(
    make_action, admin_user, other_agent, other_team
):
    action = make_action(user=admin_user, owner=other_agent)

    assert (action.owner, action.team) == (other_agent, other_team)
    assert Notification.objects.get().user == other_agent


def test_creating_ones_own_action_notifies_nobody(make_action):
    make_action()

    assert Notification.objects.count() == 0


# --- Changing, completing, cancelling, deleting -------------------------------------------

WRITES = {
    "update": lambda user, action: services.action_update(
        user=user, action=action, data={"subject": "Changed"}
    ),
    "complete": lambda user, action: services.action_complete(
        user=user, action=action, outcome="Interested"
    ),
    "cancel": lambda user, action: services.action_cancel(user=user, action=action),
    "delete": lambda user, action: services.action_delete(user=user, action=action),
    "reschedule": lambda user, action: services.action_reschedule(
        user=user, action=action, start=action.start.replace(day=12)
    ),
}

# Who may change the agent's own action: the agent, their manager and the administrator.
AGENT_ACTION = {
    "admin_user": True,
    "manager": True,
    "agent": True,
    "other_agent": False,
    "reader": False,
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("role", sorted(AGENT_ACTION))
def test_who_may_change_an_agents_action(request, make_action, role, write):
    action = make_action(subject="Original")
    user = request.getfixturevalue(role)

    if AGENT_ACTION[role]:
        WRITES[write](user, action)
        if write == "delete":
            assert not Action.objects.filter(pk=action.pk).exists()
        else:
            action.refresh_from_db()
            assert action.history.first().history_user == user
    else:
        with pytest.raises(PermissionDenied):
            WRITES[write](user, action)
        action.refresh_from_db()
        assert (action.subject, action.status, action.start) == (
            "Original",
            ActionStatus.PLANNED,
            START,
        )
        assert action.history.count() == 1


@pytest.mark.parametrize("write", sorted(WRITES))
def test_an_agent_cannot_change_a_colleagues_action_that_they_can_see(
    make_action, manager, agent, write
):
    action = make_action(user=manager, subject="Manager's")

    with pytest.raises(PermissionDenied):
        WRITES[write](agent, action)

    action.refresh_from_db()
    assert (action.subject, action.status) == ("Manager's", ActionStatus.PLANNED)


@pytest.mark.parametrize("write", sorted(WRITES))
def test_any_member_may_work_on_an_action_assigned_only_to_their_team(
    make_action, agent, team, write
):
    action = make_action(owner=None, team=team)

    WRITES[write](agent, action)

    if write != "delete":
        action.refresh_from_db()
        assert action.history.first().history_user == agent


# --- Reassigning and taking -----------------------------------------------------------------


def test_an_agent_cannot_give_their_action_away(make_action, agent, manager):
    action = make_action()

    with pytest.raises(PermissionDenied, match="You cannot give “Call about the renewal”"):
        services.action_reassign(user=agent, actions=[action], owner=manager, team=None)

    action.refresh_from_db()
    assert action.owner == agent
    assert Notification.objects.count() == 0


def test_a_manager_reassigns_within_their_teams_only(make_action, manager, reader, other_agent):
    action = make_action()

    assert services.action_reassign(user=manager, actions=[action], owner=reader, team=None) == 1
    with pytest.raises(PermissionDenied):
        services.action_reassign(user=manager, actions=[action], owner=other_agent, team=None)

    action.refresh_from_db()
    assert action.owner == reader


def test_a_reader_cannot_reassign_or_take(make_action, reader, team):
    action = make_action(owner=None, team=team)

    with pytest.raises(PermissionDenied):
        services.action_reassign(user=reader, actions=[action], owner=reader, team=None)
    with pytest.raises(PermissionDenied):
        services.action_take(user=reader, action=action)

    action.refresh_from_db()
    assert action.owner is None


def test_an_administrator_reassigns_to_another_team(make_action, admin_user, other_agent, agent):
    action = make_action()

    services.action_reassign(user=admin_user, actions=[action], owner=other_agent, team=None)

    action.refresh_from_db()
    assert (action.owner, action.team) == (other_agent, other_agent.teams.get())
    assert selectors.action_get(user=other_agent, pk=action.pk) == action
    assert action.pk not in _visible_to(agent)


def test_reassigning_needs_a_user_or_a_team(make_action, manager):
    action = make_action()

    with pytest.raises(ValidationError) as error:
        services.action_reassign(user=manager, actions=[action], owner=None, team=None)

    assert error.value.message_dict == {"owner": ["Choose a user or a team."]}


def test_bulk_reassignment_is_all_or_nothing(
    make_action, manager, agent, other_agent, other_entity
):
    first = make_action(subject="First")
    outside = make_action(user=other_agent, entity=other_entity, subject="Outside")

    # The first one may go to the manager; the second is not theirs to touch.
    with pytest.raises(PermissionDenied):
        services.action_reassign(user=manager, actions=[first, outside], owner=manager, team=None)

    first.refresh_from_db()
    outside.refresh_from_db()
    assert (first.owner, outside.owner) == (agent, other_agent)
    assert (first.sequence, outside.sequence) == (0, 0)
    assert first.history.count() == 1
    assert Notification.objects.count() == 0


def test_any_team_member_takes_an_action_assigned_only_to_the_team(
    make_action, manager, agent, team
):
    action = make_action(user=manager, owner=None, team=team, subject="Anyone")

    services.action_take(user=agent, action=action)

    action.refresh_from_db()
    assert (action.owner, action.team) == (agent, team)
    assert action.sequence == 1
    # Taking it oneself notifies nobody.
    assert Notification.objects.count() == 0


def test_an_agent_cannot_take_a_colleagues_action_nor_another_teams(
    make_action, manager, agent, other_agent, other_entity, other_team
):
    colleagues = make_action(user=manager)
    other_teams = make_action(user=other_agent, entity=other_entity, owner=None, team=other_team)

    with pytest.raises(PermissionDenied):
        services.action_take(user=agent, action=colleagues)
    with pytest.raises(PermissionDenied):
        services.action_take(user=agent, action=other_teams)

    colleagues.refresh_from_db()
    other_teams.refresh_from_db()
    assert (colleagues.owner, other_teams.owner) == (manager, None)
