"""Fixtures of the dashboard tests: the cases and actions fixtures, and a few of the
control panel's own (prefixed ``pn_``)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from relata.cases.tests.conftest import *  # noqa: F403


@pytest.fixture
def action_types(db):
    """The seeded action types by code (call, email, visit, …, task)."""
    from relata.actions.models import ActionType

    return {t.code: t for t in ActionType.objects.all()}


@pytest.fixture
def pn_now():
    """A fixed "now" for the panel's selectors: today's local noon, so that an hour
    either side stays on today's date whatever the wall clock says."""
    today = timezone.localdate()
    return datetime.datetime.combine(
        today, datetime.time(12, 0), tzinfo=timezone.get_current_timezone()
    )


@pytest.fixture
def pn_action(agent, entity, action_types):
    """``pn_action(start, **overrides)``: an action created through the service (by the
    agent unless ``user=``), for ``entity``, type call, 30 minutes long."""
    from relata.actions import services

    def make(start: datetime.datetime, **overrides: Any):
        user = overrides.pop("user", agent)
        action_type = overrides.pop("type", "call")
        if isinstance(action_type, str):
            action_type = action_types[action_type]
        data: dict[str, Any] = {
            "entity": entity,
            "type": action_type,
            "subject": overrides.pop("subject", "Call"),
            "start": start,
            **overrides,
        }
        return services.action_create(user=user, data=data)

    return make


# --- Conversion, targets and snapshots (the analysis pages) ----------------------------


@pytest.fixture
def an_case(make_case, statuses, admin_user):
    """``an_case(owner, [(status_code, aware datetime), …], amount="100.00", entity=None)``:
    an opportunity created by ``owner`` in the first status and moved through the others,
    then placed in time: each change at its moment with the seconds since the previous
    one, ``opened_at`` the first moment, ``closed_at`` the last when it is not open."""
    import decimal

    from relata.cases.models import Case, CaseStatusChange
    from relata.cases.services import case_move

    def build(owner, steps, amount="100.00", entity=None):
        first_code, opened = steps[0]
        data = {
            "user": owner,
            "status": statuses("opportunity", first_code),
            "amount": decimal.Decimal(amount),
        }
        if entity is not None:
            data["entity"] = entity
        case = make_case(**data)
        for code, _moment in steps[1:]:
            status = statuses("opportunity", code)
            case = case_move(
                user=admin_user,
                case=case,
                status=status,
                lost_reason="Too expensive" if status.meaning == "lost" else None,
            )
        changes = list(CaseStatusChange.objects.filter(case=case).order_by("changed_at", "pk"))
        assert len(changes) == len(steps)
        previous = None
        for change, (_code, moment) in zip(changes, steps, strict=True):
            seconds = None if previous is None else int((moment - previous).total_seconds())
            CaseStatusChange.objects.filter(pk=change.pk).update(
                changed_at=moment, seconds_in_previous=seconds
            )
            previous = moment
        last_status = statuses("opportunity", steps[-1][0])
        Case.objects.filter(pk=case.pk).update(
            opened_at=opened,
            status_since=steps[-1][1],
            closed_at=None if last_status.is_open else steps[-1][1],
        )
        case.refresh_from_db()
        return case

    return build


@pytest.fixture
def an_day():
    """``an_day(month, day, hour=10)``: an aware local datetime in 2026."""
    import datetime

    from django.utils import timezone

    def make(month, day, hour=10):
        return timezone.make_aware(datetime.datetime(2026, month, day, hour, 0))

    return make


@pytest.fixture
def an_conversion(an_case, an_day, agent, manager, other_agent, other_entity):
    """The conversion data set of September 2026 (values computed by hand in
    test_conversion.py). IN = identifying_needs, PS = presenting_solutions, DEC = decision.

      c1 agent   IN 1/9 → PS 3/9 → DEC 8/9 → won 10/9        1000.00
      c2 agent   IN 2/9 → PS 6/9 → lost 7/9                    500.00
      c3 agent   IN 5/9 → lost 15/9                            200.00
      c4 agent   IN 10/9 → DEC 12/9 → won 20/9                 300.00
      c5 agent   IN 20/9 (still open)                          100.00
      c7 agent   IN 20/8 → PS 2/9 → won 4/9 (opened in August) 700.00
      m  manager IN 4/9 → won 6/9                              250.00
      c6 other_agent IN 3/9 → PS 5/9 → lost 6/9 (other team)   400.00
    """
    from types import SimpleNamespace

    d = an_day
    return SimpleNamespace(
        c1=an_case(
            agent,
            [
                ("identifying_needs", d(9, 1)),
                ("presenting_solutions", d(9, 3)),
                ("decision", d(9, 8)),
                ("won", d(9, 10)),
            ],
            "1000.00",
        ),
        c2=an_case(
            agent,
            [("identifying_needs", d(9, 2)), ("presenting_solutions", d(9, 6)), ("lost", d(9, 7))],
            "500.00",
        ),
        c3=an_case(agent, [("identifying_needs", d(9, 5)), ("lost", d(9, 15))], "200.00"),
        c4=an_case(
            agent,
            [("identifying_needs", d(9, 10)), ("decision", d(9, 12)), ("won", d(9, 20))],
            "300.00",
        ),
        c5=an_case(agent, [("identifying_needs", d(9, 20))], "100.00"),
        c7=an_case(
            agent,
            [("identifying_needs", d(8, 20)), ("presenting_solutions", d(9, 2)), ("won", d(9, 4))],
            "700.00",
        ),
        m=an_case(manager, [("identifying_needs", d(9, 4)), ("won", d(9, 6))], "250.00"),
        c6=an_case(
            other_agent,
            [("identifying_needs", d(9, 3)), ("presenting_solutions", d(9, 5)), ("lost", d(9, 6))],
            "400.00",
            entity=other_entity,
        ),
    )


# The forecast's hand-built data set (fixture ``fc_data``), in its own module.
from relata.dashboard.tests.forecast_data import fc_data  # noqa: E402, F401


@pytest.fixture
def pn_finished_locked(db):
    """Set the general parameter "finished actions may be edited" to no."""
    from relata.core.models import CrmParameters
    from relata.core.selectors import parameters_cache_clear

    parameters = CrmParameters.objects.get_or_create(pk=1)[0]
    parameters.finished_actions_editable = False
    parameters.save()
    parameters_cache_clear()
