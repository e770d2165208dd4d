"""Demo ERP sales data: about 30 % of the demo customers are linked to ERP customers, with
orders over the last 24 months (lines with the demo catalogue), deliveries (some pending)
and invoices (a few unpaid, some of those overdue), so that the entity page's "Sales (ERP)"
panel has something to show.

Everything goes through the integration's upsert service (:func:`relata.sales.upsert.
upsert_batch`), as the ERP would send it: the customers are linked to their entities by tax
id, the catalogue products are adopted by code. The writes are recorded as the first
active administrator's; the demo has none, so an "ERP integration" administrator without a
usable password is created for it.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from relata.cases.models import Case
from relata.core.demo_runner import DemoContext, step
from relata.core.models import Role, User
from relata.entities.models import Entity, KindMeaning
from relata.products.models import Product
from relata.sales.models import CaseSalesLink, Customer, Delivery, Invoice, SalesOrder
from relata.sales.tokens import command_line_token
from relata.sales.upsert import MAX_BATCH, upsert_batch

D = decimal.Decimal
LINKED_SHARE = 0.3
PAYMENT_TERMS = ["30 days", "60 days", "Transfer on receipt", "90 days, direct debit"]
PRICE_LISTS = ["GENERAL", "WHOLESALE", "DISTRIBUTOR"]
INTEGRATION_USERNAME = "erp.integration"
# At most this many after-sales cases get linked to documents.
CASE_LINKS_MAX = 60


def _acting_admin() -> User:
    admin = (
        User.objects.filter(is_active=True, role=Role.ADMINISTRATOR).order_by("pk").first()
        or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    )
    if admin is not None:
        return admin
    admin, _created = User.objects.get_or_create(
        username=INTEGRATION_USERNAME,
        defaults={
            "first_name": "ERP",
            "last_name": "integration",
            "role": Role.ADMINISTRATOR,
            "email": "erp.integration@demo.relata.example",
        },
    )
    admin.set_unusable_password()
    admin.role, admin.is_active = Role.ADMINISTRATOR, True
    admin.save(update_fields=["password", "role", "is_active"])
    return admin


def _send(token: Any, kind: str, records: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(records), MAX_BATCH):
        result = upsert_batch(token=token, kind=kind, records=records[start : start + MAX_BATCH])
        if result.errors:
            raise RuntimeError(f"demo {kind}: {result.errors[:3]}")


def _product_records(products: list[Product]) -> list[dict[str, Any]]:
    return [
        {
            "external_id": product.external_id or f"ERP-{product.code}",
            "code": product.code,
            "name": product.name_en,
            "name_es": product.name_es,
            "unit_price": str(product.unit_price),
            "family": (
                {
                    "external_id": product.family.external_id or f"FAM-{product.family.code}",
                    "code": product.family.code,
                    "name": product.family.name_en,
                    "name_es": product.family.name_es,
                }
                if product.family
                else None
            ),
        }
        for product in products
    ]


def _documents(
    ctx: DemoContext, entity_id: int, products: list[dict[str, Any]], today: datetime.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """One customer's orders, deliveries and invoices over the last 24 months."""
    rng = ctx.rng
    customer = f"DEMO-C{entity_id}"
    orders, deliveries, invoices = [], [], []
    for n in range(rng.randint(4, 22)):
        date = today - datetime.timedelta(days=rng.randint(0, 729))
        age = (today - date).days
        lines = []
        for number in range(1, rng.randint(1, 4) + 1):
            product = rng.choice(products)
            lines.append(
                {
                    "line_number": number,
                    "product": product["external_id"],
                    "description": product["name"],
                    "quantity": str(rng.choice([1, 1, 2, 3, 5, 10])),
                    "unit_price": product["unit_price"],
                    "discount": str(rng.choice([0, 0, 0, 5, 10])),
                }
            )
        for line in lines:
            amount = D(line["quantity"]) * D(line["unit_price"]) * (1 - D(line["discount"]) / 100)
            line["amount"] = str(amount.quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP))
        if age > 45:
            status = "cancelled" if rng.random() < 0.04 else "delivered"
        else:
            status = rng.choice(["open", "open", "partially_delivered", "delivered"])
        for line in lines:
            # Delivered: every line; partially delivered: the first line only.
            if status == "delivered" or (
                status == "partially_delivered" and line["line_number"] == 1
            ):
                line["delivered_quantity"] = line["quantity"]
        order_id = f"DEMO-O{entity_id}-{n + 1}"
        order_number = f"PV-{entity_id:05d}-{n + 1:03d}"
        orders.append(
            {
                "external_id": order_id,
                "number": order_number,
                "customer": customer,
                "date": date.isoformat(),
                "status": status,
                "lines": lines,
            }
        )
        if status == "cancelled":
            continue
        if status != "open" or rng.random() < 0.5:
            delivered = status == "delivered"
            deliveries.append(
                {
                    "external_id": f"DEMO-D{entity_id}-{n + 1}",
                    "number": f"AL-{entity_id:05d}-{n + 1:03d}",
                    "customer": customer,
                    "order": order_id,
                    "date": (date + datetime.timedelta(days=rng.randint(1, 6))).isoformat(),
                    "status": "delivered" if delivered else rng.choice(["pending", "shipped"]),
                }
            )
        if status in ("delivered", "partially_delivered"):
            invoice_date = min(today, date + datetime.timedelta(days=rng.randint(2, 10)))
            due = invoice_date + datetime.timedelta(days=rng.choice([30, 60, 90]))
            total = sum((D(line["amount"]) for line in lines), D("0.00"))
            # Paid, except the recent ones and a few overdue.
            unpaid = due >= today or rng.random() < 0.08
            paid = D("0.00") if unpaid else total
            if unpaid and rng.random() < 0.3:
                paid = (total / 2).quantize(D("0.01"))
            invoices.append(
                {
                    "external_id": f"DEMO-I{entity_id}-{n + 1}",
                    "number": f"FV-{entity_id:05d}-{n + 1:03d}",
                    "customer": customer,
                    "order": order_id,
                    "date": invoice_date.isoformat(),
                    "due_date": due.isoformat(),
                    "paid_amount": str(paid),
                    "status": "paid" if paid == total else "open",
                    "lines": [
                        {k: line[k] for k in ("line_number", "product", "description", "quantity")}
                        | {"unit_price": line["unit_price"], "amount": line["amount"]}
                        for line in lines
                    ],
                }
            )
    return orders, deliveries, invoices


@step(70, "ERP sales data")
def erp_sales(ctx: DemoContext) -> None:
    rng = ctx.rng
    products = list(
        Product.objects.filter(is_active=True).select_related("family").order_by("pk")[:50]
    )
    if not products:
        return
    linked = set(Customer.objects.exclude(entity=None).values_list("entity_id", flat=True))
    candidates = [
        (pk, name, tax_id)
        for pk, name, tax_id in Entity.objects.filter(kind__meaning=KindMeaning.CUSTOMER)
        .exclude(tax_id="")
        .exclude(owner=None)
        .order_by("pk")
        .values_list("pk", "legal_name", "tax_id")
        if pk not in linked
    ]
    chosen = [c for c in candidates if rng.random() < LINKED_SHARE]
    if not chosen:
        return
    # Only now, with customers to link, is the acting administrator needed.
    token = command_line_token(_acting_admin())
    product_records = _product_records(products)
    _send(token, "products", product_records)
    _send(
        token,
        "customers",
        [
            {
                "external_id": f"DEMO-C{pk}",
                "code": f"C{pk:05d}",
                "name": name,
                "tax_id": tax_id,
                "payment_terms": rng.choice(PAYMENT_TERMS),
                "price_list": rng.choice(PRICE_LISTS),
                "credit_limit": str(rng.choice([5_000, 10_000, 25_000, 50_000])),
                "commercial_conditions": {
                    "discount": rng.choice([0, 3, 5, 8]),
                    "free_shipping_from": rng.choice([300, 500, 1000]),
                },
            }
            for pk, name, tax_id in chosen
        ],
    )
    today = timezone.localdate()
    orders, deliveries, invoices = [], [], []
    for pk, _name, _tax_id in chosen:
        o, d, i = _documents(ctx, pk, product_records, today)
        orders += o
        deliveries += d
        invoices += i
    _send(token, "orders", orders)
    _send(token, "deliveries", deliveries)
    _send(token, "invoices", invoices)
    case_links = _link_after_sales_cases(ctx, [pk for pk, _name, _tax_id in chosen])
    ctx.notes.append(
        f"ERP sales: {len(chosen)} customers linked, {len(orders)} orders, "
        f"{len(invoices)} invoices (see an entity's “Sales (ERP)” card); "
        f"{case_links} after-sales case links to them"
    )


def _link_after_sales_cases(ctx: DemoContext, entity_ids: list[int]) -> int:
    """Link some after-sales cases (complaints, incidents, service requests) of the new
    customers to one or two of their documents (R27). A few queries and one bulk insert,
    whatever the demo's size."""
    cases = list(
        Case.objects.filter(entity_id__in=entity_ids, case_type__is_opportunity=False)
        .exclude(case_type__code="lead")
        .order_by("pk")
        .values_list("pk", "entity_id", "owner_id")[:CASE_LINKS_MAX]
    )
    if not cases:
        return 0
    documents: dict[int, list[tuple[str, int]]] = defaultdict(list)
    case_entities = {entity_id for _pk, entity_id, _owner in cases}
    for field, model in (("invoice", Invoice), ("delivery", Delivery), ("order", SalesOrder)):
        rows = model.objects.filter(customer__entity_id__in=case_entities).values_list(
            "pk", "customer__entity_id"
        )
        for pk, entity_id in rows:
            documents[entity_id].append((field, pk))
    links = []
    for case_id, entity_id, owner_id in cases:
        available = sorted(documents.get(entity_id, []))
        if not available:
            continue
        for field, pk in ctx.rng.sample(available, k=min(len(available), ctx.rng.randint(1, 2))):
            links.append(
                CaseSalesLink(case_id=case_id, created_by_id=owner_id, **{field + "_id": pk})
            )
    CaseSalesLink.objects.bulk_create(links, ignore_conflicts=True)
    return len(links)
