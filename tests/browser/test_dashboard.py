"""A sales manager's morning in a real browser, at desktop and phone size: on the control
panel, look at an agent's day, reassign two of their actions to a colleague, complete a
third with its outcome and plan the next one — all without leaving the page — then see the
forecast change after an opportunity moves to a later status. Screenshots of the panel and
the forecast are taken on the way (``RELATA_SCREENSHOTS=1`` saves them into ``docs/screenshots/``).
"""

from __future__ import annotations

import datetime
import decimal
import importlib

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENS, TIMEOUT_MS, log_in
from tests.browser.test_screenshots import assert_layout, shots_dir  # noqa: F401

pytestmark = pytest.mark.browser

TIME_ZONE = "Europe/Madrid"


@pytest.fixture
def context(new_context, screen):  # type: ignore[no-untyped-def]
    """A fresh context at the test's screen size, in the server's time zone."""
    ctx = new_context(**SCREENS[screen], timezone_id=TIME_ZONE, locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    return ctx


def _seed() -> None:
    """Put back the seeded action types, case types and statuses: the live-server tests
    flush the database, migrations' rows included."""
    from django.apps import apps

    for module in (
        "relata.actions.migrations.0002_seed_action_types",
        "relata.cases.migrations.0002_seed_case_types",
    ):
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def team_day(make_user):  # type: ignore[no-untyped-def]
    """A manager of team North with two agents; Alex has three calls planned today on one
    customer and an opportunity of 10,000 in its first status, closing this month."""
    from django.utils import timezone

    from relata.actions.models import ActionType
    from relata.actions.services import action_create
    from relata.cases.models import CaseType
    from relata.cases.services import case_create
    from relata.core.models import Role, Team
    from relata.entities.models import EntityKind, KindMeaning
    from relata.entities.services import entity_create

    _seed()
    north = Team.objects.create(name="North")
    maria = make_user("maria", "María", role=Role.MANAGER, last_name="Ruiz", teams=[north])
    alex = make_user("alex", "Alex", last_name="Smith", teams=[north])
    berta = make_user("berta", "Berta", last_name="Vidal", teams=[north])
    kind = EntityKind.objects.create(
        code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )
    entity = entity_create(user=alex, data={"legal_name": "Aceros del Norte S.L.", "kind": kind})
    call = ActionType.objects.get(code="call")
    # Soon, so they are planned and not yet overdue whatever the time of the run.
    soon = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=30)
    actions = [
        action_create(
            user=alex,
            data={
                "entity": entity,
                "type": call,
                "subject": subject,
                "start": soon + datetime.timedelta(minutes=15 * n),
            },
        )
        for n, subject in enumerate(
            ("Call about the renewal", "Check the quote", "Qualify the lead")
        )
    ]
    # Today's list, unless the run is so late in the day that they fall on tomorrow.
    same_day = {timezone.localdate(a.start) for a in actions} == {timezone.localdate()}
    today = timezone.localdate()
    opportunity = case_create(
        user=alex,
        data={
            "case_type": CaseType.objects.get(code="opportunity"),
            "entity": entity,
            "subject": "Steel for the new plant",
            "amount": decimal.Decimal("10000"),
            "expected_close_date": today,
        },
    )
    return {
        "maria": maria,
        "alex": alex,
        "berta": berta,
        "actions": actions,
        "case": opportunity,
        "counter": "#panel-count-today" if same_day else "#panel-count-upcoming",
    }


def _row(page, action):  # type: ignore[no-untyped-def]
    return page.locator(f"li.panel-action[data-action-id='{action.pk}']").first


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_manager_reassigns_completes_and_sees_the_forecast_move(
    page, live_server, team_day, screen, shots_dir
):
    from relata.actions.models import Action, ActionStatus

    renewal, quote, lead = team_day["actions"]
    alex, berta, counter = team_day["alex"], team_day["berta"], team_day["counter"]
    log_in(page, live_server, "maria")
    expect(page.locator("#panel-board")).to_be_visible()

    # Alex's day, through the scope switch.
    page.goto(f"{live_server.url}/?member={alex.pk}")
    expect(_row(page, renewal)).to_be_visible()
    expect(page.locator(counter)).to_have_attribute("data-count", "3")
    assert_layout(page, screen)
    if shots_dir:
        page.screenshot(path=str(shots_dir / f"control-panel-{screen}.png"), full_page=True)

    # Reassign two calls to Berta in one go.
    page.locator(f"#panel-select-{renewal.pk}").check()
    page.locator(f"#panel-select-{quote.pk}").check()
    expect(page.locator("#panel-bulk-count")).to_have_attribute("data-count", "2")
    page.locator("#panel-bulk-owner").select_option(str(berta.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#panel-bulk-confirm").click()
    expect(page.locator("#panel-bulk-message")).to_have_attribute("data-ok", "1")
    assert set(
        Action.objects.filter(pk__in=[renewal.pk, quote.pk]).values_list("owner_id", flat=True)
    ) == {berta.pk}
    # Alex's list refreshed in place: only the third call is left today.
    expect(page.locator(counter)).to_have_attribute("data-count", "1")
    expect(_row(page, renewal)).to_have_count(0)
    history = Action.history.filter(id=renewal.pk).order_by("-history_date").first()
    assert history.history_user.username == "maria"

    # Complete the third one with its outcome and plan the next, in the modal.
    _row(page, lead).locator(".panel-complete").click()
    form = page.locator("#panel-complete-form")
    expect(form).to_be_visible()
    form.locator("#id_outcome").fill("Interested, wants a quote")
    form.locator("#id_next_subject").fill("Send the quote")
    next_start = (datetime.date.today() + datetime.timedelta(days=2)).isoformat() + "T10:00"
    form.locator("#id_next_start").fill(next_start)
    form.locator("#panel-complete-submit").click()
    expect(_row(page, lead)).to_have_count(0)
    lead.refresh_from_db()
    assert (lead.status, lead.outcome) == (ActionStatus.DONE, "Interested, wants a quote")
    follow_up = Action.objects.get(follows=lead)
    assert (follow_up.subject, follow_up.status, follow_up.owner_id) == (
        "Send the quote",
        ActionStatus.PLANNED,
        alex.pk,
    )
    expect(page.locator(counter)).to_have_attribute("data-count", "0")

    # The forecast: Alex's opportunity weighs 10 % of 10,000 in its first status…
    opportunity = team_day["case"]
    page.goto(f"{live_server.url}/forecast/?group_by=status")
    weighted_total = page.locator("#forecast-groups-total td").nth(2)
    expect(weighted_total).to_have_attribute("data-value", "1000.00")
    assert_layout(page, screen)
    if shots_dir:
        page.screenshot(path=str(shots_dir / f"forecast-{screen}.png"), full_page=True)
    # …moved to "Presenting solutions" from its page, it weighs 30 %.
    page.goto(f"{live_server.url}/cases/{opportunity.pk}/")
    page.locator("#change-status").click()
    status = page.locator("#move-form select[name=status]")
    status.select_option(label="Presenting solutions")
    page.locator("#move-submit").click()
    expect(page.locator("#change-status")).to_be_visible()
    opportunity.refresh_from_db()
    assert opportunity.status.code == "presenting_solutions"
    page.goto(f"{live_server.url}/forecast/?group_by=status")
    expect(weighted_total).to_have_attribute("data-value", "3000.00")
    row = page.locator(f"#forecast-groups tr[data-key='{opportunity.status_id}']")
    expect(row.locator(".group-weighted")).to_have_attribute("data-value", "3000.00")
    # The figure drills down to the case behind it.
    row.locator(".group-weighted a").click()
    expect(page.get_by_text(opportunity.number).first).to_be_visible()
