"""Segment conditions on ERP sales (registered by the sales app): sales volume, last order
date, product families bought, overdue amount — on hand-built data with exact answers."""

from __future__ import annotations

import datetime
import decimal
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from relata.entities.models import Entity
from relata.entities.segments import (
    definition_clean,
    definition_q,
    register_history_field,
    segment_count,
    segment_entities,
    segment_fields,
)
from relata.entities.segments.builder import node_views
from relata.entities.segments.conditions import definition_describe
from relata.entities.segments.operators import MULTI
from relata.products.models import Product, ProductFamily
from relata.sales.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OrderStatus,
    SalesOrder,
)

pytestmark = pytest.mark.django_db
D = decimal.Decimal
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=MADRID)
day = datetime.date.fromisoformat


def cond(field, operator, value=None, **extra):
    data = {"field": f"history.{field}", "operator": operator, **extra}
    if value is not None:
        data["value"] = value
    return {"op": "and", "conditions": [data]}


def names(definition, now=NOW):
    entities = Entity.objects.filter(definition_q(definition, now=now))
    return sorted(entities.values_list("legal_name", flat=True))


def customer(entity, code):
    return Customer.objects.create(
        external_id=code, code=code, name=code, entity=entity, updated_at=NOW
    )


def invoice(owner, number, date, total, *, paid="0", due=None, status="open", lines=()):
    row = Invoice.objects.create(
        external_id=f"I-{number}",
        number=number,
        customer=owner,
        date=day(date),
        due_date=day(due) if due else None,
        total=D(total),
        paid_amount=D(paid),
        status=status,
        updated_at=NOW,
    )
    for n, (product, amount) in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=row,
            line_number=n,
            product=product,
            description="line",
            quantity=D("1"),
            unit_price=D(amount),
            amount=D(amount),
        )
    return row


def order(owner, number, date, status=OrderStatus.OPEN):
    return SalesOrder.objects.create(
        external_id=f"O-{number}",
        number=number,
        customer=owner,
        date=day(date),
        status=status,
        total=D("1.00"),
        updated_at=NOW,
    )


@pytest.fixture
def families(db):
    made = {}
    for code in ("a", "b", "c", "d"):
        family = ProductFamily.objects.create(
            code=f"fam-{code}", name_en=f"Family {code.upper()}", external_id=f"F{code}"
        )
        made[code] = (
            family,
            Product.objects.create(code=f"P-{code}", name_en=f"Product {code}", family=family),
        )
    return made


@pytest.fixture
def world(make_entity, agent, other_agent, team, other_team, families):
    """Big, Small and Prospect are the agent's (team); Other is other_agent's."""
    product = {code: pair[1] for code, pair in families.items()}
    big = customer(make_entity(agent, team, "Big SL"), "C-BIG")
    invoice(
        big,
        "B1",
        "2026-03-10",
        "1000",
        paid="400",
        due="2026-04-10",
        lines=[(product["a"], "600"), (product["b"], "400")],
    )
    invoice(
        big, "B2", "2025-06-01", "500", paid="500", due="2025-07-01", lines=[(product["c"], "500")]
    )
    invoice(
        big,
        "B3",
        "2026-05-01",
        "9999",
        due="2026-05-31",
        status=InvoiceStatus.CANCELLED,
        lines=[(product["d"], "9999")],
    )
    invoice(big, "B4", "2026-06-10", "200", due="2026-07-10", lines=[(None, "200")])
    order(big, "BO1", "2026-03-01", OrderStatus.DELIVERED)
    order(big, "BO2", "2026-06-12", OrderStatus.CANCELLED)

    small = customer(make_entity(agent, team, "Small SL"), "C-SMALL")
    invoice(
        small,
        "S1",
        "2026-01-15",
        "100",
        paid="100",
        due="2026-02-15",
        lines=[(product["a"], "100")],
    )
    invoice(small, "S2", "2026-05-16", "50", due="2026-06-15")  # due today: not overdue yet
    order(small, "SO1", "2025-12-01")

    make_entity(agent, team, "Prospect SL")  # no ERP customer at all

    other = customer(make_entity(other_agent, other_team, "Other SL"), "C-OTHER")
    invoice(other, "O1", "2026-02-01", "5000", due="2026-03-01", lines=[(product["a"], "5000")])
    order(other, "OO1", "2026-02-01")

    # An ERP customer linked to no entity: its documents belong to nobody here.
    loose = customer(None, "C-LOOSE")
    invoice(loose, "L1", "2026-03-01", "777", due="2026-03-02", lines=[(product["b"], "777")])
    order(loose, "LO1", "2026-06-01")
    return {code: pair[0] for code, pair in families.items()}


ALL = ["Big SL", "Other SL", "Prospect SL", "Small SL"]


# --- Sales volume -----------------------------------------------------------------------


def test_sales_volume_operators(world):
    # Big: 1000 + 500 + 200 (the cancelled 9999 does not count); Small: 150; Other: 5000.
    assert names(cond("sales_volume", "eq", "1700")) == ["Big SL"]
    assert names(cond("sales_volume", "ne", "1700")) == ["Other SL", "Prospect SL", "Small SL"]
    assert names(cond("sales_volume", "gte", "1700")) == ["Big SL", "Other SL"]
    assert names(cond("sales_volume", "gt", "1700")) == ["Other SL"]
    assert names(cond("sales_volume", "lt", "150")) == ["Prospect SL"]
    assert names(cond("sales_volume", "lte", "150")) == ["Prospect SL", "Small SL"]
    assert names(cond("sales_volume", "between", ["100", "1700"])) == ["Big SL", "Small SL"]
    # No ERP data is a volume of 0.
    assert names(cond("sales_volume", "eq", 0)) == ["Prospect SL"]


def test_sales_volume_in_a_period_includes_both_ends(world):
    def volume(value, period, operator="eq"):
        return names(cond("sales_volume", operator, value, period=period))

    # From the day of B1 to the day of B4, both included: 1000 + 200.
    assert volume("1200", {"from": "2026-03-10", "to": "2026-06-10"}) == ["Big SL"]
    assert volume("200", {"from": "2026-03-11", "to": "2026-06-10"}) == ["Big SL"]
    assert volume("1000", {"from": "2026-03-10", "to": "2026-06-09"}) == ["Big SL"]
    assert volume("500", {"to": "2025-12-31"}) == ["Big SL"]
    assert volume("5000", {"from": "2026-01-01"}) == ["Other SL"]
    assert volume("150", {"from": "2026-01-15"}) == ["Small SL"]
    assert volume("50", {"from": "2026-01-16"}) == ["Small SL"]
    # The last 30 days from 15 June: from 16 May (Small's S2) on.
    assert volume("0", {"last_days": 30}, "gt") == ["Big SL", "Small SL"]
    assert volume("50", {"last_days": 30}) == ["Small SL"]
    assert volume("0", {"last_days": 29}, "gt") == ["Big SL"]


# --- Last order date --------------------------------------------------------------------


def test_last_order_date(world):
    # Big's latest order (12 June) is cancelled: its last order is 1 March.
    assert names(cond("last_order", "eq", "2026-03-01")) == ["Big SL"]
    assert names(cond("last_order", "gt", "2026-02-01")) == ["Big SL"]
    assert names(cond("last_order", "gte", "2026-02-01")) == ["Big SL", "Other SL"]
    assert names(cond("last_order", "lt", "2026-02-01")) == ["Small SL"]
    assert names(cond("last_order", "lte", "2026-02-01")) == ["Other SL", "Small SL"]
    assert names(cond("last_order", "between", ["2025-12-01", "2026-02-01"])) == [
        "Other SL",
        "Small SL",
    ]
    # 15 June − 106 days = 1 March.
    assert names(cond("last_order", "in_last_days", 106)) == ["Big SL"]
    assert names(cond("last_order", "in_last_days", 105)) == []
    # Never ordered counts as "not in the last days".
    assert names(cond("last_order", "not_in_last_days", 106)) == [
        "Other SL",
        "Prospect SL",
        "Small SL",
    ]
    assert names(cond("last_order", "is_empty")) == ["Prospect SL"]
    assert names(cond("last_order", "is_not_empty")) == ["Big SL", "Other SL", "Small SL"]


# --- Product families -------------------------------------------------------------------


def test_product_families_bought(world):
    a, b, c, d = (world[k].pk for k in "abcd")
    assert names(cond("product_families", "in", [a])) == ["Big SL", "Other SL", "Small SL"]
    assert names(cond("product_families", "in", [b, c])) == ["Big SL"]
    # Only on a cancelled invoice, and on an unlinked customer's: nobody bought it.
    assert names(cond("product_families", "in", [d])) == []
    assert names(cond("product_families", "all", [a, b, c])) == ["Big SL"]
    assert names(cond("product_families", "all", [a, d])) == []
    assert names(cond("product_families", "not_in", [a])) == ["Prospect SL"]
    assert names(cond("product_families", "not_in", [b])) == [
        "Other SL",
        "Prospect SL",
        "Small SL",
    ]
    assert names(cond("product_families", "is_empty")) == ["Prospect SL"]
    assert names(cond("product_families", "is_not_empty")) == ["Big SL", "Other SL", "Small SL"]


def test_product_families_in_a_period(world):
    a, c = world["a"].pk, world["c"].pk
    assert names(cond("product_families", "in", [c], period={"from": "2026-01-01"})) == []
    assert names(cond("product_families", "in", [c], period={"to": "2025-06-01"})) == ["Big SL"]
    assert names(cond("product_families", "in", [a], period={"to": "2026-01-31"})) == ["Small SL"]
    assert names(
        cond("product_families", "in", [a], period={"from": "2026-02-01", "to": "2026-03-10"})
    ) == ["Big SL", "Other SL"]
    # In the last 30 days only freight (no product) and a line-less invoice were invoiced.
    assert names(cond("product_families", "is_not_empty", period={"last_days": 30})) == []
    assert names(cond("product_families", "not_in", [a], period={"last_days": 30})) == ALL


def test_product_families_are_written_by_id_code_or_external_id(world):
    a, b = world["a"], world["b"]
    cleaned = definition_clean(cond("product_families", "in", ["fam-a", "Fb", str(a.pk)]))
    assert cleaned == cond("product_families", "in", [a.pk, b.pk])
    with pytest.raises(ValidationError) as error:
        definition_clean(cond("product_families", "in", ["no-such-family"]))
    assert "no-such-family" in str(error.value)
    with pytest.raises(ValidationError):
        definition_clean(cond("product_families", "gt", [a.pk]))
    text = definition_describe(cond("product_families", "all", [a.pk, b.pk]))
    assert "Product families bought" in text and "Family A, Family B" in text
    # A family removed after the segment was saved matches nothing instead of failing.
    gone = max(ProductFamily.objects.values_list("pk", flat=True)) + 100
    assert names(cond("product_families", "in", [gone, "fam-gone"])) == []
    assert names(cond("product_families", "all", ["fam-gone"])) == []
    assert names(cond("product_families", "not_in", ["fam-gone"])) == ALL
    with pytest.raises(ValidationError):
        definition_clean(cond("product_families", "in", [str(10**30)]))
    assert names(cond("product_families", "in", [gone, a.pk])) == ["Big SL", "Other SL", "Small SL"]


def test_product_families_in_the_builder(world):
    field = segment_fields()["history.product_families"]
    assert field.kind == MULTI and field.period
    assert dict(field.options())[world["a"].pk] == "Family A"
    view = node_views(cond("product_families", "in", [world["a"].pk]), segment_fields())
    condition = view.children[0]
    assert condition.widget == "multiselect" and condition.has_period
    assert (str(world["a"].pk), "Family A") in condition.options
    assert condition.values == [str(world["a"].pk)]


# --- Overdue amount ---------------------------------------------------------------------


def test_overdue_amount(world):
    # On 15 June: Big's B1 (1000 − 400) and Other's O1; Small's S2 falls due today.
    assert names(cond("overdue_amount", "eq", "600")) == ["Big SL"]
    assert names(cond("overdue_amount", "ne", "600")) == ["Other SL", "Prospect SL", "Small SL"]
    assert names(cond("overdue_amount", "gt", 0)) == ["Big SL", "Other SL"]
    assert names(cond("overdue_amount", "gte", "5000")) == ["Other SL"]
    assert names(cond("overdue_amount", "lt", "600")) == ["Prospect SL", "Small SL"]
    assert names(cond("overdue_amount", "lte", "600")) == ["Big SL", "Prospect SL", "Small SL"]
    assert names(cond("overdue_amount", "between", ["1", "600"])) == ["Big SL"]
    assert names(cond("overdue_amount", "eq", 0)) == ["Prospect SL", "Small SL"]


def test_overdue_amount_follows_the_day_it_is_evaluated(world):
    tomorrow = NOW + datetime.timedelta(days=1)
    assert names(cond("overdue_amount", "eq", "50"), now=tomorrow) == ["Small SL"]
    later = datetime.datetime(2026, 7, 11, 9, 0, tzinfo=MADRID)  # B4 fell due on 10 July
    assert names(cond("overdue_amount", "eq", "800"), now=later) == ["Big SL"]
    Invoice.objects.filter(number="B1").update(paid_amount=D("1000"))
    assert names(cond("overdue_amount", "eq", "200"), now=later) == ["Big SL"]


def test_overdue_amount_takes_no_period(world):
    with pytest.raises(ValidationError):
        definition_clean(cond("overdue_amount", "gt", 0, period={"last_days": 30}))
    with pytest.raises(ValidationError):
        definition_clean(cond("sales_volume", "is_empty"))


# --- Together: one query, permissions ---------------------------------------------------


def test_all_criteria_in_one_query(world):
    definition = {
        "op": "or",
        "conditions": [
            cond("sales_volume", "gt", "1000", period={"last_days": 365}),
            cond("last_order", "in_last_days", 200),
            cond("product_families", "all", [world["a"].pk, world["b"].pk]),
            cond("overdue_amount", "gt", 0),
        ],
    }
    q = definition_q(definition, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        found = sorted(Entity.objects.filter(q).values_list("legal_name", flat=True))
    assert found == ["Big SL", "Other SL", "Small SL"]
    assert len(queries.captured_queries) == 1


def test_segments_show_each_user_only_their_entities(world, agent, other_agent, admin_user):
    big_spenders = cond("sales_volume", "gte", "1000")
    assert [e.legal_name for e in segment_entities(user=agent, definition=big_spenders)] == [
        "Big SL"
    ]
    assert [e.legal_name for e in segment_entities(user=other_agent, definition=big_spenders)] == [
        "Other SL"
    ]
    assert segment_count(user=admin_user, definition=big_spenders) == 2
    no_sales = cond("product_families", "is_empty")
    assert segment_count(user=other_agent, definition=no_sales) == 0
    assert segment_count(user=agent, definition=no_sales) == 1


def test_choice_history_fields_need_their_options(db):
    def builder(condition):
        return Q()

    with pytest.raises(ValueError):
        register_history_field("test_multi_without_options", "Broken", builder, kind=MULTI)
    with pytest.raises(ValueError):
        register_history_field("test_text", "Broken", builder, kind="text")
