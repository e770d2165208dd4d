"""Weekly pipeline snapshots: what they hold, taking one twice, the worker's task, and the
comparison of two snapshots (exact figures on a hand-built before/after)."""

from __future__ import annotations

import datetime
import decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from relata.cases.models import Case
from relata.cases.services import case_move, case_update
from relata.dashboard import services
from relata.dashboard.analysis_snapshots import snapshot_compare
from relata.dashboard.models import PipelineSnapshot, PipelineSnapshotRow

D = decimal.Decimal
MONDAY_1 = datetime.date(2026, 11, 2)
MONDAY_2 = datetime.date(2026, 11, 9)
MONDAY_3 = datetime.date(2026, 11, 16)


def rows_by_number(snapshot):
    return {r.number: r for r in PipelineSnapshotRow.objects.filter(snapshot=snapshot)}


def test_snapshot_holds_open_and_recently_closed_opportunities(
    make_case, statuses, agent, team, admin_user
):
    open_case = make_case(amount=D("120.00"), expected_close_date=datetime.date(2026, 12, 1))
    overridden = make_case(amount=D("80.00"), probability=55)
    won = make_case(amount=D("300.00"))
    case_move(user=agent, case=won, status=statuses("opportunity", "won"))
    old_lost = make_case(amount=D("10.00"))
    case_move(user=agent, case=old_lost, status=statuses("opportunity", "lost"), lost_reason="No")
    Case.objects.filter(pk=old_lost.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=8)
    )
    lead = make_case(case_type="lead")

    snapshot = services.snapshot_take()

    rows = rows_by_number(snapshot)
    assert set(rows) == {open_case.number, overridden.number, won.number}
    assert snapshot.taken_on == timezone.localdate()
    assert snapshot.case_count == 3 and snapshot.taken_by is None
    row = rows[open_case.number]
    assert (row.case_id, row.status.code, row.meaning) == (
        open_case.pk,
        "identifying_needs",
        "open",
    )
    assert (row.owner, row.team, row.amount, row.currency) == (agent, team, D("120.00"), "EUR")
    assert (row.probability, row.expected_close_date) == (10, datetime.date(2026, 12, 1))
    assert row.subject == open_case.subject
    assert rows[overridden.number].probability == 55
    assert (rows[won.number].meaning, rows[won.number].probability) == ("won", 100)
    assert lead.number not in rows and old_lost.number not in rows


def test_taking_twice_the_same_day_replaces_the_rows(make_case, admin_user):
    case = make_case(amount=D("100.00"))
    first = services.snapshot_take(on=MONDAY_1)
    Case.objects.filter(pk=case.pk).update(amount=D("175.00"))
    make_case(amount=D("1.00"))

    second = services.snapshot_take(on=MONDAY_1, user=admin_user)

    assert second.pk == first.pk
    assert PipelineSnapshot.objects.count() == 1
    assert PipelineSnapshotRow.objects.count() == 2
    assert rows_by_number(second)[case.number].amount == D("175.00")
    second.refresh_from_db()
    assert (second.case_count, second.taken_by) == (2, admin_user)


def test_closed_cases_are_kept_since_the_previous_snapshot(make_case, statuses, agent):
    before = make_case(amount=D("10.00"))
    case_move(user=agent, case=before, status=statuses("opportunity", "won"))
    Case.objects.filter(pk=before.pk).update(closed_at=timezone.now() - datetime.timedelta(days=2))
    first = services.snapshot_take(on=MONDAY_1)
    after = make_case(amount=D("20.00"))
    case_move(user=agent, case=after, status=statuses("opportunity", "won"))

    second = services.snapshot_take(on=MONDAY_2)

    assert before.number in rows_by_number(first)
    # Closed two days before the first snapshot: already in it, not in the second.
    assert set(rows_by_number(second)) == {after.number}


def test_snapshot_of_a_few_hundred_cases(make_case):
    template = make_case(amount=D("5.00"))
    clones = []
    for index in range(449):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"OPP-BULK-{index:05d}"
        clones.append(clone)
    Case.objects.bulk_create(clones)

    snapshot = services.snapshot_take()

    assert snapshot.case_count == 450
    rows = PipelineSnapshotRow.objects.filter(snapshot=snapshot)
    assert rows.count() == 450
    assert rows.filter(number="OPP-BULK-00448", amount=D("5.00"), probability=10).exists()


def test_only_administrators_take_snapshots(manager, make_case):
    make_case()

    with pytest.raises(PermissionDenied):
        services.snapshot_take(user=manager)

    assert PipelineSnapshot.objects.count() == 0


def test_weekly_task_takes_todays_snapshot_and_runs_on_monday_night(make_case):
    from relata.dashboard.tasks import pipeline_snapshot_weekly

    make_case()

    pipeline_snapshot_weekly.call_local()
    pipeline_snapshot_weekly.call_local()

    snapshot = PipelineSnapshot.objects.get()
    assert (snapshot.taken_on, snapshot.case_count) == (timezone.localdate(), 1)
    monday_3am = datetime.datetime(2026, 11, 30, 3, 0)
    assert pipeline_snapshot_weekly.task_class.validate_datetime(None, monday_3am)
    assert not pipeline_snapshot_weekly.task_class.validate_datetime(
        None, monday_3am + datetime.timedelta(days=1)
    )


# --- Comparison -------------------------------------------------------------------------


@pytest.fixture
def an_moves(make_case, statuses, agent, other_agent, other_entity, admin_user):
    """Snapshot 1, then: win w, lose l, slip s, pull in p, raise u, lower dn, keep k, add n,
    delete gone; other_agent's o is won. Snapshot 2. All at 10 % (identifying needs)."""

    def opp(amount, close=None, **extra):
        return make_case(amount=D(amount), expected_close_date=close, **extra)

    day = datetime.date
    cases = SimpleNamespace(
        w=opp("1000.00"),
        l=opp("500.00"),
        s=opp("300.00", day(2026, 12, 1)),
        p=opp("400.00", day(2026, 12, 15)),
        u=opp("100.00"),
        dn=opp("200.00"),
        k=opp("50.00", day(2026, 12, 31)),
        gone=opp("60.00"),
        o=opp("900.00", user=other_agent, entity=other_entity),
    )
    before = services.snapshot_take(on=MONDAY_1)
    case_move(user=agent, case=cases.w, status=statuses("opportunity", "won"))
    case_move(user=agent, case=cases.l, status=statuses("opportunity", "lost"), lost_reason="Price")
    case_update(user=agent, case=cases.s, data={"expected_close_date": day(2026, 12, 20)})
    case_update(user=agent, case=cases.p, data={"expected_close_date": day(2026, 12, 5)})
    case_update(user=agent, case=cases.u, data={"amount": D("150.00")})
    case_update(user=agent, case=cases.dn, data={"amount": D("120.00")})
    cases.gone_number = cases.gone.number
    Case.objects.filter(pk=cases.gone.pk).delete()
    case_move(user=other_agent, case=cases.o, status=statuses("opportunity", "won"))
    cases.n = opp("70.00")
    after = services.snapshot_take(on=MONDAY_2)
    return SimpleNamespace(before=before, after=after, cases=cases)


def numbers(category):
    return sorted(d.row.number for d in category.rows)


def test_compare_for_an_agent(an_moves, agent):
    c = an_moves.cases

    result = snapshot_compare(user=agent, before=an_moves.before, after=an_moves.after)

    cat = result.categories
    assert numbers(cat["added"]) == [c.n.number]
    assert (cat["added"].amount, cat["added"].weighted) == (D("70.00"), D("7.00"))
    assert numbers(cat["won"]) == [c.w.number]
    assert (cat["won"].amount, cat["won"].weighted) == (D("1000.00"), D("1000.00"))
    assert numbers(cat["lost"]) == [c.l.number]
    assert (cat["lost"].amount, cat["lost"].weighted) == (D("500.00"), D("50.00"))
    assert numbers(cat["slipped"]) == [c.s.number]
    assert numbers(cat["pulled_in"]) == [c.p.number]
    assert (cat["amount_up"].count, cat["amount_up"].amount) == (1, D("150.00"))
    assert cat["amount_up"].difference == D("50.00")
    assert (cat["amount_down"].count, cat["amount_down"].difference) == (1, D("-80.00"))
    assert cat["amount_down"].weighted == D("12.00")
    assert (cat["unchanged"].count, cat["unchanged"].amount) == (1, D("50.00"))
    assert cat["removed"].count == 0  # the deleted case is only for administrators
    assert (result.before_open.count, result.before_open.amount) == (7, D("2550.00"))
    assert result.before_open.weighted == D("255.00")
    assert (result.after_open.count, result.after_open.amount) == (6, D("1090.00"))
    assert result.after_open.weighted == D("109.00")


def test_compare_for_an_administrator_shows_deleted_and_other_teams(an_moves, admin_user):
    c = an_moves.cases

    result = snapshot_compare(user=admin_user, before=an_moves.before, after=an_moves.after)

    assert numbers(result.categories["removed"]) == [c.gone_number]
    assert result.categories["removed"].amount == D("60.00")
    assert sorted(numbers(result.categories["won"])) == sorted([c.w.number, c.o.number])
    assert result.before_open.count == 9


def test_compare_across_a_snapshot_in_between_still_sees_the_win(make_case, statuses, agent):
    case = make_case(amount=D("10.00"))
    first = services.snapshot_take(on=MONDAY_1)
    case_move(user=agent, case=case, status=statuses("opportunity", "won"))
    services.snapshot_take(on=MONDAY_2)
    third = services.snapshot_take(on=MONDAY_3)
    assert case.number not in rows_by_number(third)

    result = snapshot_compare(user=agent, before=first, after=third)

    assert numbers(result.categories["won"]) == [case.number]
    assert result.categories["removed"].count == 0


# --- Pages ------------------------------------------------------------------------------


def test_page_empty_state(client, agent):
    client.force_login(agent)

    response = client.get(reverse("dashboard:snapshots"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "No snapshot yet: the first is taken on Monday night" in html
    assert 'id="snapshot-take"' not in html


def test_page_with_one_snapshot(client, admin_user, make_case):
    make_case()
    services.snapshot_take(on=MONDAY_1)
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:snapshots"))

    assert response.status_code == 200
    assert "Only one snapshot so far" in response.content.decode()
    assert 'id="snapshot-take"' in response.content.decode()


def test_page_compares_the_two_latest(client, an_moves, agent, django_assert_max_num_queries):
    client.force_login(agent)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard:snapshots"))

    assert response.status_code == 200
    assert response.context["before"] == an_moves.before
    assert response.context["after"] == an_moves.after
    html = response.content.decode()
    assert 'id="category-won"' in html and an_moves.cases.w.number in html
    assert an_moves.cases.o.number not in html
    assert reverse("cases:detail", args=[an_moves.cases.s.pk]) in html


def test_page_one_category(client, an_moves, agent):
    client.force_login(agent)
    query = f"?before={MONDAY_1}&after={MONDAY_2}&category=slipped"

    response = client.get(reverse("dashboard:snapshots") + query)

    assert [t["category"].code for t in response.context["tables"]] == ["slipped"]
    assert [r["number"] for r in response.context["tables"][0]["rows"]] == [an_moves.cases.s.number]


def test_page_export_csv(client, an_moves, agent):
    client.force_login(agent)

    response = client.get(
        reverse("dashboard:snapshots") + f"?before={MONDAY_1}&after={MONDAY_2}&format=csv"
    )

    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 7  # added, won, lost, slipped, pulled in, up, down
    assert any(line.startswith("Amount up,") and ",50.00," in line for line in lines)


def test_take_now_confirms_then_takes(client, admin_user, make_case):
    make_case()
    client.force_login(admin_user)

    assert client.get(reverse("dashboard:snapshot_take")).status_code == 200
    response = client.post(reverse("dashboard:snapshot_take"))

    assert response.status_code == 302
    assert PipelineSnapshot.objects.get().case_count == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_take_now_is_forbidden_to_a_manager(client, manager, method):
    client.force_login(manager)

    response = getattr(client, method)(reverse("dashboard:snapshot_take"))

    assert response.status_code == 403
    assert PipelineSnapshot.objects.count() == 0
