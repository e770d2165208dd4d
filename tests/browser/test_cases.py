"""The opportunity journey in a real browser, at desktop and phone size: create an
opportunity from an entity's page with two product lines, drag it across the pipeline board
to won, and find it on the entity's timeline. Screenshots of the form, the case page, the
board and the open-cases report are taken on the way (``RELATA_SCREENSHOTS=1`` saves them
into ``docs/screenshots/``)."""

from __future__ import annotations

import decimal
import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_screenshots import assert_layout, shots_dir  # noqa: F401

pytestmark = pytest.mark.browser


def _seed_case_types() -> None:
    """Put back the seeded case types, statuses and free-use fields: the live-server tests
    flush the database, migrations' rows included."""
    from django.apps import apps

    for name in ("0002_seed_case_types", "0004_seed_free_fields"):
        importlib.import_module(f"relata.cases.migrations.{name}").seed(apps, None)


@pytest.fixture
def crm(make_user):  # type: ignore[no-untyped-def]
    """An agent of a team with one customer, and a small catalogue."""
    from relata.core.models import Team
    from relata.entities.models import EntityKind, KindMeaning
    from relata.entities.services import entity_create
    from relata.products.models import Product, ProductFamily

    _seed_case_types()
    family = ProductFamily.objects.create(code="software", name_en="Software")
    Product.objects.create(
        code="LIC-CRM", name_en="CRM licence", family=family, unit_price=decimal.Decimal("480")
    )
    Product.objects.create(
        code="TRN-DAY", name_en="Training day", family=family, unit_price=decimal.Decimal("650")
    )
    kind = EntityKind.objects.create(
        code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )
    alex = make_user("alex", "Alex", last_name="Smith", teams=[Team.objects.create(name="North")])
    return entity_create(user=alex, data={"legal_name": "Aceros del Norte S.L.", "kind": kind})


def _fill_line(page, index: int, product: str, quantity: str, discount: str = "") -> None:  # type: ignore[no-untyped-def]
    row = page.locator("#lines-rows [data-line]").nth(index)
    select = row.locator("select")
    select.select_option(select.locator("option", has_text=product).get_attribute("value"))
    row.locator(f"#id_lines-{index}-quantity").fill(quantity)
    if discount:
        row.locator(f"#id_lines-{index}-discount").fill(discount)


def _drag(page, card, column) -> None:  # type: ignore[no-untyped-def]
    """Drag ``card`` into ``column``'s list with small mouse steps (SortableJS starts a drag
    only after the pointer has moved)."""
    # Bring the card's column to the left edge: the next column is then in view (on a
    # phone, its edge).
    card.evaluate("el => el.closest('.board-column').scrollIntoView({inline: 'start'})")
    box = card.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    target = column.bounding_box()
    # On a phone only the edge of the next column shows: aim inside the viewport.
    width = page.viewport_size["width"]
    target_x = min(target["x"] + target["width"] / 2, width - 12)
    page.mouse.move(target_x, target["y"] + 30, steps=20)
    page.mouse.up()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_create_an_opportunity_and_win_it_on_the_board(
    page,
    live_server,
    crm,
    screen,
    shots_dir,
):
    from relata.cases.models import Case, CaseLine

    entity = crm
    log_in(page, live_server, "alex")

    # From the entity page, "New opportunity" opens the form for this entity.
    page.goto(f"{live_server.url}{entity.get_absolute_url()}")
    page.locator("#new-opportunity").click()
    expect(page.locator("#id_entity option:checked")).to_have_text(re.compile("Aceros del Norte"))
    page.get_by_label("Subject").fill("CRM for the sales team")
    page.locator("[data-add-line]").click()
    _fill_line(page, 0, "CRM licence", "10", "15")
    page.locator("[data-add-line]").click()
    _fill_line(page, 1, "Training day", "2")
    # 10 × 480 less 15 % = 4,080.00; 2 × 650 = 1,300.00
    expect(page.locator("#lines-total")).to_contain_text("5,380.00")
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"opportunity-form-{screen}.png", full_page=True)
    page.locator("#save-case").click()

    expect(page.locator("h1")).to_contain_text("CRM for the sales team")
    case = Case.objects.get()
    assert (case.entity, case.owner.username, case.status.code) == (
        entity,
        "alex",
        "identifying_needs",
    )
    assert case.amount == decimal.Decimal("5380.00")
    assert sorted(CaseLine.objects.values_list("amount", flat=True)) == [
        decimal.Decimal("1300.00"),
        decimal.Decimal("4080.00"),
    ]
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"opportunity-detail-{screen}.png", full_page=True)

    # The board: drag the card across, one column at a time, to "Closed won" (a phone shows
    # one column and the edge of the next).
    page.goto(f"{live_server.url}/cases/board/opportunity/")
    page.wait_for_load_state("networkidle")
    card = page.locator(f"[data-case-id='{case.pk}']")
    expect(card).to_be_visible()
    assert_layout(page, screen)
    page.screenshot(path=shots_dir / f"opportunity-board-{screen}.png", full_page=True)
    for code in ("presenting_solutions", "decision", "decision_postponed", "won"):
        column = page.locator(f"[data-status-code='{code}'] .board-cards")
        with page.expect_response(re.compile(rf"/cases/{case.pk}/move/")) as moved:
            _drag(page, page.locator(f"[data-case-id='{case.pk}']"), column)
        assert moved.value.status in (200, 204)
        # The board then reloads its columns: the counts show the card in its new column.
        expect(page.locator(f"[data-status-code='{code}'] .column-count")).to_have_text("1")
        page.wait_for_load_state("networkidle")
        expect(column.locator(f"[data-case-id='{case.pk}']")).to_be_visible()
        case.refresh_from_db()
        assert case.status.code == code
    won = page.locator("[data-status-code='won']")
    expect(won.locator(".column-count")).to_have_text("1")
    expect(won.locator(".column-total")).to_contain_text("5,380")
    assert case.closed_at is not None

    # The entity's timeline shows the opportunity, won.
    page.goto(f"{live_server.url}{entity.get_absolute_url()}")
    expect(page.locator(".timeline").first).to_contain_text(case.number)
    expect(page.locator("#cases-panel")).to_contain_text(case.number)

    # The case list shows it among all cases; the open-cases report no longer lists it.
    page.goto(f"{live_server.url}/cases/?open=0")
    expect(page.locator("main")).to_contain_text(case.number)
    assert_layout(page, screen)
    page.goto(f"{live_server.url}/cases/open/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(case.number)
    assert_layout(page, screen)
