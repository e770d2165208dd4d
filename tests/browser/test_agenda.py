"""The agenda journey in a real browser, at desktop and phone size: schedule a visit from
an entity page, find it on the agenda, drag it to another day, complete it with an
outcome. Screenshots of the agenda, the form and the detail page are taken on the way
(``RELATA_SCREENSHOTS=1`` saves them into ``docs/screenshots/``)."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENS, TIMEOUT_MS, log_in
from tests.browser.test_screenshots import assert_layout, shots_dir  # noqa: F401

pytestmark = pytest.mark.browser

TIME_ZONE = "Europe/Madrid"  # the server's; the browser shows the agenda in the same zone


@pytest.fixture
def context(new_context, screen):  # type: ignore[no-untyped-def]
    """A fresh context at the test's screen size, in the server's time zone."""
    ctx = new_context(**SCREENS[screen], timezone_id=TIME_ZONE, locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    return ctx


@pytest.fixture
def crm(make_user):  # type: ignore[no-untyped-def]
    """An agent of a team with one customer, and the visit type (the seeded rows do not
    survive the flush between live-server tests)."""
    from relata.actions.models import ActionType
    from relata.core.models import Team
    from relata.entities.models import EntityKind, KindMeaning
    from relata.entities.services import entity_create

    ActionType.objects.get_or_create(
        code="visit",
        defaults={
            "name_en": "Visit",
            "name_es": "Visita",
            "icon": "geo-alt",
            "colour": "#198754",
            "default_duration": 60,
            "is_meeting": True,
            "needs_outcome": True,
        },
    )
    ActionType.objects.get_or_create(
        code="call",
        defaults={"name_en": "Phone call", "icon": "telephone", "default_duration": 15},
    )
    kind = EntityKind.objects.create(
        code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )
    alex = make_user("alex", "Alex", last_name="Smith", teams=[Team.objects.create(name="North")])
    return entity_create(user=alex, data={"legal_name": "Aceros del Norte S.L.", "kind": kind})


def _days() -> tuple[datetime.date, datetime.date]:
    """Today (Madrid) and another day of the same Monday-first week."""
    from django.utils import timezone

    today = timezone.localdate()
    other = (
        today - datetime.timedelta(days=1)
        if today.weekday()
        else today + datetime.timedelta(days=1)
    )
    return today, other


def _drag(page, source, target_x: float, target_y: float) -> None:  # type: ignore[no-untyped-def]
    box = source.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + min(10, box["height"] / 2)
    page.mouse.move(x, y)
    page.mouse.down()
    # Several small steps: FullCalendar starts a drag only after the pointer has moved.
    page.mouse.move(x + 5, y + 5, steps=5)
    page.mouse.move(target_x, target_y, steps=15)
    page.mouse.up()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_schedule_drag_and_complete_a_visit(page, live_server, crm, screen, shots_dir):
    from relata.actions.models import Action, ActionStatus

    entity = crm
    today, other_day = _days()
    log_in(page, live_server, "alex")

    # From the entity page, "Schedule action" opens the form with the entity chosen.
    page.goto(f"{live_server.url}{entity.get_absolute_url()}")
    expect(page.locator("#actions-panel")).to_contain_text("No actions yet")
    page.locator("#schedule-action").click()
    expect(page.locator("h1")).to_have_text("Schedule an action")
    expect(page.locator("#id_entity option:checked")).to_have_text("Aceros del Norte S.L.")
    expect(page.locator("#meeting-fields")).to_be_hidden()
    page.get_by_label("Type").select_option(label="Visit")
    expect(page.locator("#meeting-fields")).to_be_visible()  # a visit is a meeting
    page.get_by_label("Subject").fill("Visit the Bilbao plant")
    page.get_by_label("Start").fill(f"{today.isoformat()}T10:00")
    page.get_by_label("Start").dispatch_event("change")
    # The type's 60 minutes fill in the end.
    expect(page.get_by_label("End", exact=True)).to_have_value(f"{today.isoformat()}T11:00")
    page.get_by_label("Location").fill("Polígono Industrial 3, Bilbao")
    assert_layout(page, screen)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=shots_dir / f"actions-form-{screen}.png", full_page=True)
    page.locator("#save-action").click()

    # Back on the entity page, whose panel lists the visit.
    expect(page.get_by_text("The action was scheduled.")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Aceros del Norte S.L.")
    expect(page.locator("#actions-panel")).to_contain_text("Visit the Bilbao plant")
    action = Action.objects.get()
    assert (action.entity, action.type.code, action.owner.username) == (entity, "visit", "alex")
    assert action.location == "Polígono Industrial 3, Bilbao"
    from django.utils import timezone

    assert timezone.localtime(action.start).replace(tzinfo=None) == datetime.datetime.combine(
        today, datetime.time(10)
    )

    # The agenda: the week view on a desktop; the week's list on a phone, then its week view.
    if screen == "phone":
        page.locator("button.navbar-toggler").click()
    page.locator("#sidebar").get_by_role("link", name="Agenda").click()
    expect(page.locator("h1")).to_have_text("Agenda")
    event = page.locator(f"[data-action-id='{action.pk}']")
    expect(event).to_contain_text("Visit the Bilbao plant")
    expect(event).to_contain_text("Aceros del Norte S.L.")
    if screen == "phone":
        expect(page.locator(".fc-list")).to_be_visible()
        assert_layout(page, screen)
        page.screenshot(path=shots_dir / f"agenda-list-{screen}.png", full_page=True)
        page.get_by_role("button", name="week", exact=True).click()
        expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
        event = page.locator(f".fc-timegrid [data-action-id='{action.pk}']")
        expect(event).to_be_visible()
    else:
        expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"agenda-week-{screen}.png", full_page=True)

    # Drag the visit to another day of the week, at the same time.
    column = page.locator(f".fc-timegrid-col[data-date='{other_day.isoformat()}']")
    column_box = column.bounding_box()
    event_box = event.bounding_box()
    with page.expect_response(re.compile(r"/agenda/move/\d+/")) as moved:
        _drag(
            page,
            event,
            column_box["x"] + column_box["width"] / 2,
            event_box["y"] + min(10, event_box["height"] / 2),
        )
    assert moved.value.status == 200
    expect(page.locator("#agenda-message")).to_be_hidden()
    action.refresh_from_db()
    assert timezone.localtime(action.start).replace(tzinfo=None) == datetime.datetime.combine(
        other_day, datetime.time(10)
    )
    assert action.end - action.start == datetime.timedelta(hours=1)
    assert action.sequence == 1

    # The other views show it too: the month on a desktop, the day on a phone.
    if screen == "phone":
        page.get_by_role("button", name="day", exact=True).click()
        step = "Previous day" if other_day < today else "Next day"
        page.get_by_role("button", name=step).click()
        expect(page.locator(".fc-timeGridDay-view")).to_be_visible()
        name = "day"
    else:
        page.get_by_role("button", name="month", exact=True).click()
        expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
        name = "month"
    expect(page.locator(f"[data-action-id='{action.pk}']")).to_be_visible()
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"agenda-{name}-{screen}.png", full_page=True)

    # Click the event to open it, and complete it with an outcome.
    page.locator(f"[data-action-id='{action.pk}']").click()
    expect(page).to_have_url(re.compile(rf"/actions/{action.pk}/$"))
    expect(page.locator("#action-when")).to_contain_text("10:00")
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"actions-detail-{screen}.png", full_page=True)
    page.locator("#complete-action").click()
    expect(page.locator("h1")).to_contain_text("Complete")
    page.screenshot(path=shots_dir / f"actions-complete-{screen}.png", full_page=True)
    page.locator("#save-complete").click()
    # A visit needs an outcome: the form says so and nothing changes.
    expect(page.locator("#id_outcome.is-invalid")).to_be_visible()
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED
    page.get_by_label("Outcome").fill("Wants an offer for 20 tonnes")
    page.get_by_label("Notes").fill("Send it before Friday.")
    assert_layout(page, screen)
    page.locator("#save-complete").click()

    expect(page.locator("#action-outcome")).to_have_text("Wants an offer for 20 tonnes")
    expect(page.locator(f"#action-status-{action.pk}")).to_have_text("Done")
    action.refresh_from_db()
    assert (action.status, action.outcome, action.result_notes) == (
        ActionStatus.DONE,
        "Wants an offer for 20 tonnes",
        "Send it before Friday.",
    )

    # The entity page lists it among the recent ones.
    page.locator("#action-entity").click()
    expect(page.locator("#actions-panel")).to_contain_text("Wants an offer for 20 tonnes")
    assert_layout(page, screen)
    page.locator("#actions-panel").screenshot(path=shots_dir / f"actions-panel-{screen}.png")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_action_list_and_type_settings_fit_the_screen(
    page,
    live_server,
    crm,
    make_user,
    screen,
    shots_dir,
):
    """The action list (a manager's, with bulk reassignment) and the action types."""
    from django.utils import timezone

    from relata.actions import services
    from relata.actions.models import ActionType
    from relata.core.models import Role, Team, User

    entity = crm
    alex = User.objects.get(username="alex")
    make_user("maria", "María", role=Role.MANAGER, last_name="García", teams=[Team.objects.get()])
    make_user("ada", "Ada", role=Role.ADMINISTRATOR, last_name="Lovelace")
    visit, call = ActionType.objects.get(code="visit"), ActionType.objects.get(code="call")
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for day, (action_type, subject) in enumerate(
        [
            (call, "Confirm the delivery dates"),
            (visit, "Visit the Bilbao plant with the new catalogue"),
            (call, "Follow up the offer"),
        ]
    ):
        services.action_create(
            user=alex,
            data={
                "entity": entity,
                "type": action_type,
                "subject": subject,
                "start": start + datetime.timedelta(days=day, hours=day),
            },
        )

    log_in(page, live_server, "maria")
    page.goto(f"{live_server.url}/actions/?scope=team")
    expect(page.locator("#action-table tbody tr")).to_have_count(3)
    expect(page.locator("#bulk-bar")).to_be_visible()
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"actions-list-{screen}.png", full_page=True)

    # A new action from the list: find the entity by typing, pick it, its contacts follow.
    from relata.entities.services import contact_create

    contact_create(user=alex, entity=entity, data={"first_name": "Lucía", "last_name": "Ibáñez"})
    page.locator("#new-action").click()
    expect(page.locator("h1")).to_have_text("Schedule an action")
    with page.expect_response(re.compile(r"/actions/new/entities/\?entity_search=aceros")):
        page.locator("#id_entity_search").fill("aceros")
    expect(page.locator("#id_entity option")).to_have_count(2)
    page.locator("#id_entity_search").press("Enter")  # to the list, not a submit
    expect(page.locator("#id_entity")).to_be_focused()
    page.locator("#id_entity").select_option(label="Aceros del Norte S.L.")
    expect(page.locator("#id_contact option")).to_have_text(["---------", "Lucía Ibáñez"])
    assert_layout(page, screen)

    # In Spanish, the calendar speaks Spanish too (FullCalendar's own locale file).
    with page.expect_navigation():
        page.locator("#language-form select").select_option("es")
    page.goto(f"{live_server.url}/agenda/")
    expect(page.get_by_role("button", name="Semana", exact=True)).to_be_visible()
    expect(page.locator("h1")).to_have_text("Agenda")

    page.context.clear_cookies()
    log_in(page, live_server, "ada")
    page.goto(f"{live_server.url}/settings/")
    page.locator("#settings-action-types").click()
    expect(page.locator("h1")).to_have_text("Action types")
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"action-types-{screen}.png", full_page=True)
    page.get_by_role("link", name="Visit", exact=True).click()
    expect(page.locator("#id_colour")).to_have_attribute("type", "color")
    page.get_by_label("Default duration (minutes)").fill("90")
    assert_layout(page, screen)
    page.locator("#save-type").click()
    expect(page.get_by_text("“Visit” was saved.")).to_be_visible()
    visit.refresh_from_db()
    assert visit.default_duration == 90
