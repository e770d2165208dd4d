"""Load ERP sales data through the bulk API and through ``relata import-sales``; print
records per second.

    .venv/bin/python bench/sales/load_bench.py                       # SQLite, small sizes
    .venv/bin/python bench/sales/load_bench.py --customers 5000 --orders 5000 --lines 10
    .venv/bin/python bench/sales/load_bench.py --database-url postgres://relata:relata@127.0.0.1/relata_bench

Every run starts from an empty temporary data folder (SQLite) or the given throwaway
database (dropped tables are not restored: use a database made for this). The API is called
through Django's test client (no network, no WSGI server), 1,000 records per call, with an
integration token; customers are loaded twice, with the master linking on (each creates a
CRM entity) and off. The importer loads the same volume from CSV files written first.
Then everything is sent again to measure the "unchanged" path (idempotent re-sync).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BATCH = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--lines", type=int, default=10, help="lines per order")
    parser.add_argument("--invoices", type=int, default=2_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="relata-sales-bench-")
    os.environ["RELATA_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    run(args, Path(data_dir))


def records(args: argparse.Namespace) -> dict[str, list[dict]]:
    customers = [
        {
            "external_id": f"C{i:06d}",
            "code": f"{i:06d}",
            "name": f"Customer {i} SL",
            "payment_terms": "30 days",
            "credit_limit": "10000.00",
            "addresses": [
                {
                    "kind": "billing",
                    "street": f"Calle {i}",
                    "city": "Madrid",
                    "postal_code": "28001",
                }
            ],
        }
        for i in range(args.customers)
    ]
    products = [
        {
            "external_id": f"P{i:05d}",
            "code": f"P-{i:05d}",
            "name": f"Product {i}",
            "unit_price": f"{10 + i % 90}.50",
            "family": {"external_id": f"F{i % 20}", "name": f"Family {i % 20}"},
        }
        for i in range(200)
    ]
    orders = [
        {
            "external_id": f"O{i:07d}",
            "number": f"SO-{i}",
            "customer": f"C{i % args.customers:06d}",
            "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "lines": [
                {
                    "line_number": n + 1,
                    "product": f"P{(i + n) % 200:05d}",
                    "quantity": str(1 + n),
                    "unit_price": "12.50",
                    "discount": "5",
                }
                for n in range(args.lines)
            ],
        }
        for i in range(args.orders)
    ]
    invoices = [
        {
            "external_id": f"I{i:07d}",
            "number": f"F-{i}",
            "customer": f"C{i % args.customers:06d}",
            "order": f"O{i % args.orders:07d}",
            "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "paid_amount": "0",
            "lines": [
                {
                    "line_number": 1,
                    "product": f"P{i % 200:05d}",
                    "quantity": "2",
                    "unit_price": "9.95",
                },
                {"line_number": 2, "description": "Freight", "quantity": "1", "unit_price": "6"},
            ],
        }
        for i in range(args.invoices)
    ]
    return {"customers": customers, "products": products, "orders": orders, "invoices": invoices}


def send(client, kind: str, items: list[dict]) -> tuple[float, int]:
    start = time.perf_counter()
    count = 0
    for offset in range(0, len(items), BATCH):
        response = client.post(
            f"/api/v1/sales/{kind}/bulk/", items[offset : offset + BATCH], format="json"
        )
        assert response.status_code == 200, response.content[:500]
        count += len(items[offset : offset + BATCH])
    return time.perf_counter() - start, count


def rows_of(items: list[dict], kind: str) -> tuple[list[dict], list[dict]]:
    heads, lines = [], []
    for item in items:
        head = {k: v for k, v in item.items() if k not in ("lines", "addresses", "family")}
        if kind == "customers":
            for k, v in item["addresses"][0].items():
                head[f"billing_{k}"] = v
        if kind == "products":
            head["family_external_id"] = item["family"]["external_id"]
            head["family_name"] = item["family"]["name"]
        heads.append(head)
        parent = "order" if kind == "orders" else "invoice"
        lines += [{parent: item["external_id"], **line} for line in item.get("lines", [])]
    return heads, lines


def write_csv(path: Path, rows: list[dict]) -> None:
    fields: list[str] = []
    for row in rows:
        fields += [k for k in row if k not in fields]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def run(args: argparse.Namespace, data_dir: Path) -> None:
    from django.db import connection
    from rest_framework.test import APIClient

    from relata.core.models import Role
    from relata.core.services import user_create
    from relata.entities.models import EntityKind, KindMeaning
    from relata.sales.importer import import_directory
    from relata.sales.linking import link_setting_update
    from relata.sales.models import Customer, Invoice, Master, SalesOrder, SalesOrderLine
    from relata.sales.tokens import command_line_token, integration_token_create

    admin = user_create(
        by=None,
        username="bench",
        password="bench-pass-123!",
        role=Role.ADMINISTRATOR,
        email="b@example.com",
    )
    EntityKind.objects.get_or_create(
        code="customer", defaults={"label_en": "Customer", "meaning": KindMeaning.CUSTOMER}
    )
    _token, raw = integration_token_create(user=admin, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    data = records(args)
    print(
        f"database: {connection.vendor}; {args.customers} customers, "
        f"{args.orders} orders × {args.lines} lines, {args.invoices} invoices"
    )
    results = []

    def report(label: str, seconds: float, count: int) -> None:
        results.append((label, count, seconds))
        print(
            f"{label:<48} {count:>8} records {seconds:8.1f} s {count / seconds:10.0f} /s",
            flush=True,
        )

    half = args.customers // 2
    link_setting_update(user=admin, master=Master.CUSTOMERS, creates_entity=True)
    report(
        "API customers, linking on (creates entities)",
        *send(client, "customers", data["customers"][:half]),
    )
    link_setting_update(user=admin, master=Master.CUSTOMERS, creates_entity=False)
    report("API customers, linking off", *send(client, "customers", data["customers"][half:]))
    report("API products (+families)", *send(client, "products", data["products"]))
    seconds, count = send(client, "orders", data["orders"])
    report("API orders (headers)", seconds, count)
    report("  … as order lines", seconds, count * args.lines)
    report("API invoices (2 lines each)", *send(client, "invoices", data["invoices"]))
    report("API customers again (unchanged)", *send(client, "customers", data["customers"]))
    report("API orders again (unchanged)", *send(client, "orders", data["orders"]))
    assert SalesOrderLine.objects.count() == args.orders * args.lines

    # The importer: a second, empty copy of the documents under new external ids.
    export = data_dir / "export"
    export.mkdir()
    for kind in ("customers", "orders", "invoices"):
        for item in data[kind]:
            item["external_id"] = "X" + item["external_id"]
            for ref in ("customer", "order"):
                if ref in item:
                    item[ref] = "X" + item[ref]
    heads, _ = rows_of(data["customers"], "customers")
    write_csv(export / "customers.csv", heads)
    heads, lines = rows_of(data["orders"], "orders")
    write_csv(export / "orders.csv", heads)
    write_csv(export / "order_lines.csv", lines)
    heads, lines = rows_of(data["invoices"], "invoices")
    write_csv(export / "invoices.csv", heads)
    write_csv(export / "invoice_lines.csv", lines)
    cli = command_line_token(admin)
    start = time.perf_counter()
    result = import_directory(token=cli, directory=export, partial=False)
    seconds = time.perf_counter() - start
    assert result.saved and not result.errors, result.errors[:5]
    total = args.customers + args.orders * (1 + args.lines) + args.invoices * 3
    report("import-sales: all files (rows incl. lines)", seconds, total)
    start = time.perf_counter()
    import_directory(token=cli, directory=export, partial=False)
    report("import-sales again (unchanged)", time.perf_counter() - start, total)
    print(
        f"rows: {Customer.objects.count()} customers, {SalesOrder.objects.count()} orders, "
        f"{SalesOrderLine.objects.count()} order lines, {Invoice.objects.count()} invoices"
    )


if __name__ == "__main__":
    main()
