"""The demo data shows the forecast side: targets for the sales staff and two snapshots a
week apart whose comparison is not empty."""

from __future__ import annotations

import pytest

from relata.core import demo_runner
from relata.core.models import Role, User
from relata.dashboard.analysis_snapshots import snapshot_compare
from relata.dashboard.models import PipelineSnapshot, SalesTarget

pytestmark = pytest.mark.django_db(transaction=False)


def test_demo_has_targets_and_two_snapshots_with_changes():
    demo_runner.run(seed=5, entities=120, show_progress=False)

    sellers = User.objects.filter(role__in=[Role.AGENT, Role.MANAGER])
    assert SalesTarget.objects.values("user").distinct().count() == sellers.count()
    august = SalesTarget.objects.filter(month=8).first()
    march = SalesTarget.objects.get(user=august.user, year=august.year, month=3)
    assert august.amount < march.amount
    # this year's targets and the next year's, so the forecast's next quarter has targets
    assert SalesTarget.objects.filter(user=august.user).count() == 24
    # every manager has work of their own around today, some of it overdue
    from django.utils import timezone

    from relata.actions.models import Action, ActionStatus

    for manager in sellers.filter(role=Role.MANAGER):
        planned = Action.objects.filter(owner=manager, status=ActionStatus.PLANNED)
        assert planned.filter(start__date__lt=timezone.localdate()).exists()
    # agents have overdue actions from the last week
    assert Action.objects.filter(
        owner__role=Role.AGENT, status=ActionStatus.PLANNED, end__lt=timezone.now()
    ).exists()
    before, after = PipelineSnapshot.objects.order_by("taken_on")
    assert (after.taken_on - before.taken_on).days == 7
    admin = User.objects.create(username="demo-admin", role=Role.ADMINISTRATOR)
    comparison = snapshot_compare(user=admin, before=before, after=after)
    counts = {code: category.count for code, category in comparison.categories.items()}
    assert counts["won"] >= 1
    assert counts["lost"] >= 1
    assert counts["slipped"] == 3
    assert counts["added"] == 2
