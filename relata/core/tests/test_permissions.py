"""The permission layer: who sees and changes which records, per role and team."""

from __future__ import annotations

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from relata.core import permissions
from relata.core.models import OwnedModel, Role
from relata.core.services import user_create


@pytest.fixture
def record_model(transactional_db):
    """A throwaway owned model with a real table, standing in for entities and cases."""
    with isolate_apps("relata.core"):

        class Record(OwnedModel):
            title = models.CharField(max_length=50)

            class Meta:
                app_label = "core"

    with connection.schema_editor() as editor:
        editor.create_model(Record)
    yield Record
    with connection.schema_editor() as editor:
        editor.delete_model(Record)


@pytest.fixture
def world(record_model, team, other_team):
    def make(username, role, teams):
        return user_create(by=None, username=username, password=None, role=role, teams=teams)

    users = {
        "admin": make("admin", Role.ADMINISTRATOR, []),
        "manager": make("manager", Role.MANAGER, [team]),
        "agent": make("agent", Role.AGENT, [team]),
        "colleague": make("colleague", Role.AGENT, [team]),
        "outsider": make("outsider", Role.AGENT, [other_team]),
        "reader": make("reader", Role.READ_ONLY, [team]),
    }
    R = record_model
    records = {
        "own": R.objects.create(title="own", owner=users["agent"]),
        "colleague": R.objects.create(title="colleague", owner=users["colleague"]),
        "team_pool": R.objects.create(title="team_pool", team=team),
        "outside": R.objects.create(title="outside", owner=users["outsider"], team=other_team),
        "nobody": R.objects.create(title="nobody"),
    }
    return users, records


def titles(user, model):
    return sorted(permissions.scope(user, model.objects.all()).values_list("title", flat=True))


def test_scope_per_role(world, record_model):
    users, _records = world

    assert titles(users["admin"], record_model) == [
        "colleague",
        "nobody",
        "outside",
        "own",
        "team_pool",
    ]
    assert titles(users["manager"], record_model) == ["colleague", "own", "team_pool"]
    assert titles(users["agent"], record_model) == ["colleague", "own", "team_pool"]
    assert titles(users["reader"], record_model) == ["colleague", "own", "team_pool"]
    assert titles(users["outsider"], record_model) == ["outside"]


def test_can_view_agrees_with_scope(world, record_model):
    users, records = world
    for user in users.values():
        visible = set(titles(user, record_model))
        for title, record in records.items():
            assert permissions.can_view(user, record) is (title in visible), (user, title)


def test_agent_changes_own_and_unowned_team_records_only(world):
    users, records = world
    agent = users["agent"]

    assert permissions.can_change(agent, records["own"]) is True
    assert permissions.can_change(agent, records["team_pool"]) is True
    assert permissions.can_change(agent, records["colleague"]) is False
    assert permissions.can_change(agent, records["outside"]) is False


def test_manager_changes_and_reassigns_team_work(world):
    users, records = world
    manager = users["manager"]

    assert permissions.can_change(manager, records["colleague"]) is True
    assert permissions.can_reassign(manager, records["colleague"], users["agent"]) is True
    assert permissions.can_reassign(manager, records["colleague"], users["outsider"]) is False
    assert permissions.can_change(manager, records["outside"]) is False


def test_agent_may_only_take_work_not_give_it(world):
    users, records = world

    assert permissions.can_reassign(users["agent"], records["own"], users["agent"]) is True
    assert permissions.can_reassign(users["agent"], records["own"], users["colleague"]) is False


def test_read_only_changes_nothing(world):
    users, records = world

    assert [permissions.can_change(users["reader"], r) for r in records.values()] == [False] * 5


def test_inactive_user_sees_nothing(world, record_model):
    users, records = world
    agent = users["agent"]
    agent.is_active = False
    agent.save()

    assert titles(agent, record_model) == []
    assert permissions.can_view(agent, records["own"]) is False


def test_configuration_is_for_administrators(admin_user, manager, agent, reader):
    assert [permissions.can_configure(u) for u in (admin_user, manager, agent, reader)] == [
        True,
        False,
        False,
        False,
    ]


def test_ensure_raises_permission_denied():
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        permissions.ensure(False)
