"""The control panel's reads: the action lists at a fixed moment, the opportunities
needing attention and why, the after-sales cases by due date, whose panel one may open,
the workload counts and the KPIs."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from relata.actions import services as action_services
from relata.cases import services as case_services
from relata.cases.models import Case
from relata.dashboard.panel import action_lists, case_lists, panel_scope
from relata.dashboard.panel_kpis import kpis, period_bounds, workload

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


def _subjects(actions):
    return [a.subject for a in actions]


# --- Action lists -------------------------------------------------------------------------------


def test_actions_fall_into_overdue_today_and_upcoming(agent, pn_action, pn_now):
    today = timezone.localdate(pn_now)
    pn_action(pn_now - 3 * D, subject="three days ago")
    pn_action(pn_now - 2 * H, subject="this morning, missed")
    pn_action(pn_now - H, subject="running, due yesterday", end=pn_now + H, due_date=today - D)
    pn_action(pn_now + 2 * H, subject="this afternoon")
    # Moved to a later start: planned there, not overdue for its older due date.
    pn_action(pn_now + 3 * H, subject="rescheduled, due yesterday", due_date=today - D)
    pn_action(pn_now + 1 * D, subject="tomorrow")
    pn_action(pn_now + 7 * D, subject="in a week")
    pn_action(pn_now + 8 * D, subject="in eight days")
    done = pn_action(pn_now - 1 * H, subject="done already")
    action_services.action_complete(user=agent, action=done, outcome="ok")

    lists = action_lists(scope=panel_scope(user=agent), now=pn_now)

    assert _subjects(lists.overdue) == [
        "running, due yesterday",
        "this morning, missed",
        "three days ago",
    ]
    assert _subjects(lists.today) == ["this afternoon", "rescheduled, due yesterday"]
    assert _subjects(lists.upcoming) == ["tomorrow", "in a week"]
    assert lists.counts == {"overdue": 3, "today": 2, "upcoming": 2}


def test_an_action_running_now_is_today_not_overdue(agent, pn_action, pn_now):
    pn_action(pn_now - 10 * datetime.timedelta(minutes=1), subject="running", end=pn_now + H)

    lists = action_lists(scope=panel_scope(user=agent), now=pn_now)

    assert _subjects(lists.today) == ["running"]
    assert lists.overdue == []


def test_lists_are_bounded_but_counts_are_exact(agent, pn_action, pn_now):
    for day in range(1, 6):
        pn_action(pn_now - day * D, subject=f"missed {day}")

    lists = action_lists(scope=panel_scope(user=agent), now=pn_now, limit=2)

    assert _subjects(lists.overdue) == ["missed 1", "missed 2"]
    assert lists.counts["overdue"] == 5


def test_only_my_own_actions_show_on_my_panel(agent, manager, pn_action, pn_now):
    pn_action(pn_now + H, subject="mine")
    pn_action(pn_now + H, subject="the manager's", user=manager)

    lists = action_lists(scope=panel_scope(user=agent), now=pn_now)

    assert _subjects(lists.today) == ["mine"]


# --- Opportunities needing attention and after-sales ---------------------------------------------


def test_needing_attention_reasons(agent, make_case, pn_action, pn_now, case_types):
    today = timezone.localdate(pn_now)
    followed = make_case(subject="followed", expected_close_date=today + 30 * D)
    pn_action(pn_now + D, subject="next step", case=followed)
    no_action = make_case(subject="no action", expected_close_date=today + 30 * D)
    late = make_case(subject="late", expected_close_date=today - D)
    pn_action(pn_now + D, subject="late step", case=late)
    stuck = make_case(subject="stuck", expected_close_date=today + 30 * D)
    pn_action(pn_now + D, subject="stuck step", case=stuck)
    Case.objects.filter(pk=stuck.pk).update(status_since=pn_now - 31 * D)
    Case.objects.filter(pk=no_action.pk).update(status_since=pn_now - 2 * D)
    Case.objects.filter(pk=late.pk).update(status_since=pn_now - 3 * D)
    Case.objects.filter(pk=followed.pk).update(status_since=pn_now - 29 * D)

    lists = case_lists(scope=panel_scope(user=agent), now=pn_now)

    found = {case.subject: [code for code, _label in case.reasons] for case in lists.attention}
    assert found == {"no action": ["no_action"], "late": ["close_date_passed"], "stuck": ["stuck"]}
    # Oldest in their status first.
    assert [case.subject for case in lists.attention] == ["stuck", "late", "no action"]
    assert lists.counts["opportunities"] == 4
    assert lists.counts["attention"] == 3


def test_a_type_without_threshold_never_gets_stuck(agent, make_case, pn_action, pn_now, case_types):
    case_type = case_types["opportunity"]
    case_type.stale_after_days = None
    case_type.save()
    case = make_case(subject="old but fine")
    pn_action(pn_now + D, case=case)
    Case.objects.filter(pk=case.pk).update(status_since=pn_now - 400 * D)

    lists = case_lists(scope=panel_scope(user=agent), now=pn_now)

    assert lists.attention == []
    assert lists.counts["attention"] == 0


def test_done_or_cancelled_actions_do_not_count_as_a_next_step(agent, make_case, pn_action, pn_now):
    case = make_case(subject="only history")
    done = pn_action(pn_now - D, case=case)
    action_services.action_complete(user=agent, action=done, outcome="talked")

    lists = case_lists(scope=panel_scope(user=agent), now=pn_now)

    assert [(c.subject, [code for code, _l in c.reasons]) for c in lists.attention] == [
        ("only history", ["no_action"])
    ]


def test_closed_opportunities_are_not_listed(agent, make_case, statuses, pn_now):
    case = make_case(subject="won", amount=decimal.Decimal("10"))
    case_services.case_move(user=agent, case=case, status=statuses("opportunity", "won"))

    lists = case_lists(scope=panel_scope(user=agent), now=pn_now)

    assert lists.attention == []
    assert lists.counts["opportunities"] == 0


def test_after_sales_by_due_date_overdue_first(agent, make_case, pn_now):
    later = make_case(case_type="incident", subject="later")
    overdue = make_case(case_type="complaint", subject="overdue")
    no_due = make_case(case_type="incident", subject="no due")
    make_case(subject="an opportunity")
    Case.objects.filter(pk=later.pk).update(due_at=pn_now + 5 * H)
    Case.objects.filter(pk=overdue.pk).update(due_at=pn_now - H)
    Case.objects.filter(pk=no_due.pk).update(due_at=None)

    lists = case_lists(scope=panel_scope(user=agent), now=pn_now)

    assert [(c.subject, c.is_overdue) for c in lists.after_sales] == [
        ("overdue", True),
        ("later", False),
        ("no due", False),
    ]
    assert lists.counts["after_sales"] == 3
    assert lists.counts["after_sales_overdue"] == 1


# --- Whose panel -------------------------------------------------------------------------------


def test_agent_cannot_open_someone_elses_panel(agent, manager):
    with pytest.raises(PermissionDenied):
        panel_scope(user=agent, member=str(manager.pk))


def test_agent_may_name_themselves(agent):
    scope = panel_scope(user=agent, member=str(agent.pk))

    assert scope.member == agent
    assert scope.is_self


def test_agent_cannot_open_a_team_panel(agent, team):
    with pytest.raises(PermissionDenied):
        panel_scope(user=agent, team=team.pk)


def test_manager_opens_a_members_panel_but_not_an_outsiders(manager, agent, other_agent):
    assert panel_scope(user=manager, member=agent.pk).member == agent
    with pytest.raises(PermissionDenied):
        panel_scope(user=manager, member=other_agent.pk)


def test_manager_cannot_open_another_teams_panel(manager, other_team):
    with pytest.raises(PermissionDenied):
        panel_scope(user=manager, team=other_team.pk)


def test_garbage_parameters_are_refused(manager):
    with pytest.raises(PermissionDenied):
        panel_scope(user=manager, member="1; drop")


def test_admin_opens_any_panel(admin_user, other_agent, other_team):
    assert panel_scope(user=admin_user, member=other_agent.pk).member == other_agent
    scope = panel_scope(user=admin_user, team=other_team.pk)
    assert scope.team == other_team
    assert scope.member_ids == [other_agent.pk]


def test_manager_sees_a_members_lists(manager, agent, pn_action, pn_now):
    pn_action(pn_now + H, subject="alex's call")

    lists = action_lists(scope=panel_scope(user=manager, member=agent.pk), now=pn_now)

    assert _subjects(lists.today) == ["alex's call"]


def test_whole_team_holds_members_and_team_only_records(
    manager, agent, other_agent, team, entity, other_entity, pn_action, pn_now
):
    pn_action(pn_now + H, subject="alex's")
    pn_action(pn_now + 2 * H, subject="maria's", user=manager)
    pn_action(pn_now + 3 * H, subject="for the team", user=manager, owner=None, team=team)
    pn_action(pn_now + H, subject="olga's", user=other_agent, entity=other_entity)

    lists = action_lists(scope=panel_scope(user=manager, team=team.pk), now=pn_now)

    assert _subjects(lists.today) == ["alex's", "maria's", "for the team"]


def test_whole_team_lists_merge_members_and_team_only_records_in_order(
    manager, agent, team, make_case, pn_action, pn_now
):
    """A team's panel is read per part (members, then the team's other records) and the
    parts merged: the order, the cut at the list size and the counts are those of one list."""
    for hours in (1, 3, 5):
        pn_action(pn_now + hours * H, subject=f"member {hours}")
    for hours in (2, 4):
        pn_action(pn_now + hours * H, subject=f"team {hours}", user=manager, owner=None, team=team)
    for hours in (1, 2):
        pn_action(pn_now - hours * H, subject=f"late member {hours}")
    pn_action(pn_now - 90 * H / 60, subject="late team", user=manager, owner=None, team=team)
    late = make_case(case_type="incident", subject="member late")
    unowned = make_case(case_type="complaint", subject="team soon", user=manager)
    case_services.case_reassign(user=manager, case=unowned, owner=None, team=team)
    no_due = make_case(case_type="incident", subject="member no due")
    Case.objects.filter(pk=late.pk).update(due_at=pn_now - H)
    Case.objects.filter(pk=unowned.pk).update(due_at=pn_now + H)
    Case.objects.filter(pk=no_due.pk).update(due_at=None)
    scope = panel_scope(user=manager, team=team.pk)

    short = action_lists(scope=scope, now=pn_now, limit=4)
    cases = case_lists(scope=scope, now=pn_now, limit=2)

    assert _subjects(short.today) == ["member 1", "team 2", "member 3", "team 4"]
    assert short.counts["today"] == 5
    assert _subjects(short.overdue) == ["late member 1", "late team", "late member 2"]
    assert short.counts["overdue"] == 3
    assert [c.subject for c in cases.after_sales] == ["member late", "team soon"]
    assert cases.counts["after_sales"] == 3
    assert cases.counts["after_sales_overdue"] == 1


# --- Workload -----------------------------------------------------------------------------------


def test_workload_counts_per_member(manager, agent, reader, team, make_case, pn_action, pn_now):
    pn_action(pn_now - 2 * D, subject="alex overdue")
    pn_action(pn_now - 3 * D, subject="alex overdue 2")
    pn_action(pn_now + H, subject="alex today")
    pn_action(pn_now + 2 * D, subject="maria upcoming", user=manager)
    pn_action(pn_now + 3 * H, subject="team only", user=manager, owner=None, team=team)
    needs = make_case(subject="alex opp")  # no planned action: needs attention
    followed = make_case(subject="maria opp", user=manager)
    pn_action(pn_now + D, subject="maria next", user=manager, case=followed)
    incident = make_case(case_type="incident", subject="alex incident")
    Case.objects.filter(pk=incident.pk).update(due_at=pn_now - H)
    assert needs.owner == agent

    rows = workload(viewer=manager, team=team, now=pn_now)

    by_user = {row.user.username if row.user else None: row.counts for row in rows}
    assert by_user["alex"] == {
        "overdue": 2,
        "today": 1,
        "upcoming": 0,
        "opportunities": 1,
        "attention": 1,
        "after_sales": 1,
        "after_sales_overdue": 1,
    }
    assert by_user["maria"] == {
        "overdue": 0,
        "today": 0,
        "upcoming": 2,
        "opportunities": 1,
        "attention": 0,
        "after_sales": 0,
        "after_sales_overdue": 0,
    }
    assert by_user["rita"] == {}
    assert by_user[None] == {"overdue": 0, "today": 1, "upcoming": 0}
    assert [row.user.username if row.user else None for row in rows][-1] is None


# --- KPIs ---------------------------------------------------------------------------------------


def test_period_bounds():
    day = datetime.date(2031, 5, 15)  # a Thursday

    assert period_bounds("week", day) == (datetime.date(2031, 5, 12), datetime.date(2031, 5, 19))
    assert period_bounds("month", day) == (datetime.date(2031, 5, 1), datetime.date(2031, 6, 1))
    assert period_bounds("quarter", day) == (datetime.date(2031, 4, 1), datetime.date(2031, 7, 1))
    assert period_bounds("quarter", datetime.date(2031, 12, 31)) == (
        datetime.date(2031, 10, 1),
        datetime.date(2032, 1, 1),
    )


def test_kpis_of_the_week(agent, manager, make_case, statuses, pn_action, pn_now):
    for subject in ("call 1", "call 2"):
        done = pn_action(pn_now - H, subject=subject)
        action_services.action_complete(user=agent, action=done, outcome="ok")
    visit = pn_action(pn_now - 2 * H, type="visit", subject="visit")
    action_services.action_complete(user=agent, action=visit, outcome="ok")
    pn_action(pn_now + H, subject="still planned")
    old = pn_action(pn_now - 40 * D, subject="long ago")
    action_services.action_complete(user=agent, action=old, outcome="ok")
    won = make_case(subject="won", amount=decimal.Decimal("1200.50"))
    case_services.case_move(user=agent, case=won, status=statuses("opportunity", "won"))
    lost = make_case(subject="lost")
    case_services.case_move(
        user=agent, case=lost, status=statuses("opportunity", "lost"), lost_reason="price"
    )
    make_case(subject="open")
    make_case(subject="the manager's", user=manager)

    figures = kpis(scope=panel_scope(user=agent), period="week", now=timezone.now())

    by_type = {row.name: row.count for row in figures.done_by_type}
    assert by_type == {"Phone call": 2, "Visit": 1}
    assert figures.done_total == 3
    assert (figures.opened, figures.won, figures.lost) == (3, 1, 1)
    assert figures.amount_won == decimal.Decimal("1200.50")


def test_unknown_period_falls_back_to_the_week(agent):
    figures = kpis(scope=panel_scope(user=agent), period="decade")

    assert figures.period == "week"
