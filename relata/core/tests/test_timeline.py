"""Audit history and the timeline built from it."""

from __future__ import annotations

import pytest

from relata.core import services, timeline
from relata.core.models import Team

pytestmark = pytest.mark.django_db


def test_timeline_lists_creation_and_changes_newest_first(admin_user, agent):
    team = services.team_create(user=admin_user, name="East", description="")
    services.team_update(
        user=admin_user, team=team, data={"name": "East coast", "is_active": False}
    )

    events = timeline.timeline_for(Team.objects.get(pk=team.pk))

    assert [e.kind for e in events] == ["changed", "created"]
    assert all(e.who == admin_user for e in events)
    assert [(c.label, c.old, c.new) for c in events[0].changes] == [
        ("name", "East", "East coast"),
        ("active", "Yes", "No"),
    ]


def test_saving_without_changes_adds_no_event(admin_user):
    team = services.team_create(user=admin_user, name="East")
    services.team_update(user=admin_user, team=team, data={"name": "East"})

    assert len(timeline.timeline_for(team)) == 1


def test_parameters_changes_are_attributed(admin_user):
    services.parameters_update(user=admin_user, data={"default_currency": "GBP"})
    services.parameters_update(user=admin_user, data={"default_currency": "USD"})

    from relata.core.selectors import parameters_get

    events = timeline.timeline_for(parameters_get())
    assert events[0].changes[0].old == "GBP"
    assert events[0].changes[0].new == "USD"
    assert events[0].who == admin_user


def test_registered_providers_are_merged(admin_user):
    import datetime

    team = services.team_create(user=admin_user, name="East")
    later = team.created_at + datetime.timedelta(days=1)

    def provider(obj, limit, user):
        return [timeline.TimelineEvent(when=later, who=None, kind="note", title="A note")]

    timeline.register(provider)
    try:
        events = timeline.timeline_for(team)
    finally:
        timeline._providers.remove(provider)

    assert [e.title for e in events] == ["A note", "Created"]


def test_failed_service_leaves_no_history(admin_user, agent):
    from django.core.exceptions import PermissionDenied

    team = services.team_create(user=admin_user, name="East")
    with pytest.raises(PermissionDenied):
        services.team_update(user=agent, team=team, data={"name": "Hijacked"})

    assert Team.objects.get(pk=team.pk).name == "East"
    assert team.history.count() == 1


def test_role_changes_of_users_are_audited(admin_user, agent):
    services.user_update(by=admin_user, user=agent, data={"role": "manager"})

    events = timeline.timeline_for(agent)

    assert events[0].kind == "changed"
    assert [(c.label, c.old, c.new) for c in events[0].changes] == [("role", "Agent", "Manager")]
