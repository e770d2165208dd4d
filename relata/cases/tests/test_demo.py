"""The demo data of the cases app: catalogue, campaigns, cases that hold together."""

from __future__ import annotations

import pytest
from django.db.models import F, Sum

from relata.actions.models import Action
from relata.cases import services
from relata.cases.models import Case, CaseLine, CaseStatusChange, CaseType
from relata.core import demo_runner

pytestmark = pytest.mark.django_db


def test_demo_cases_are_consistent(admin_user):
    demo_runner.run(seed=3, entities=100, show_progress=False)

    cases = Case.objects.all()
    assert cases.filter(case_type__is_opportunity=True).count() > 20
    assert cases.filter(case_type__is_opportunity=False).exists()
    assert set(cases.values_list("status__meaning", flat=True)) >= {"open", "won", "lost"}
    # every opportunity's amount is the total of its lines
    for case in cases.filter(case_type__is_opportunity=True).annotate(total=Sum("lines__amount")):
        assert case.total == case.amount, case.number
    assert not CaseLine.objects.exclude(case__case_type__is_opportunity=True).exists()
    # every case has its opening change, and its current status is the last change's
    for case in cases.prefetch_related("status_changes"):
        changes = list(case.status_changes.order_by("changed_at", "pk"))
        assert changes[0].from_status is None
        assert changes[-1].to_status_id == case.status_id
        assert case.status_since == changes[-1].changed_at, case.number
    assert not cases.exclude(status__meaning="open").filter(closed_at=None).exists()
    assert not cases.filter(status__meaning="lost", lost_reason="").exists()
    # actions tied to a case are of its entity
    linked = Action.objects.exclude(case=None)
    assert linked.exists()
    assert not linked.exclude(case__entity=F("entity")).exists()
    # a case created after the demo continues the numbering
    entity = cases.first().entity
    new = services.case_create(
        user=admin_user,
        data={
            "case_type": CaseType.objects.get(code="opportunity"),
            "entity": entity,
            "subject": "After the demo",
        },
    )
    assert Case.objects.filter(number=new.number).count() == 1
    assert CaseStatusChange.objects.filter(case=new).count() == 1
