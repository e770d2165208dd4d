"""Load ERP sales data through the bulk API and through ``relata import-sales``; print
records per second.

    .venv/bin/python bench/sales/load_bench.py                       # SQLite, small sizes
    .venv/bin/python bench/sales/load_bench.py --full                # issue 8's volume
    .venv/bin/python bench/sales/load_bench.py --full --reset \\
        --database-url postgres://relata:relata@127.0.0.1:5432/relata_bench_sales

``--full`` is the acceptance volume of issue 8: 50,000 customers, 50,000 orders × 10 lines
(500,000 order lines) and 200,000 invoices (2 lines each), loaded once through the API and
once more, under other external ids, through the importer.

Every run starts from an empty temporary data folder. With SQLite the database is a new
file in it; with ``--database-url`` it is that database, which must be empty (``--reset``
drops and re-creates it first: use a database made for this). The API is called through
Django's test client (in process: JSON encoding, DRF parsing, authentication, validation
and the writes, without network or WSGI server), 1,000 records per call, with an
integration token acting as an administrator; the master linking is on (the default), so
every customer creates a CRM entity with its addresses, email, phone and contact. Then
everything is sent again to measure the "unchanged" path (idempotent re-sync). The
importer (the function ``relata import-sales`` runs) loads CSV files written first:
customers.csv, orders.csv + order_lines.csv, invoices.csv + invoice_lines.csv, in one
transaction.

The figures, with the machine's load average, are printed and saved under
``bench/results/sales-load-<time>-<database>.txt`` (ignored by git).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
BATCH = 1_000
PRODUCTS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--lines", type=int, default=10, help="lines per order")
    parser.add_argument("--invoices", type=int, default=2_000)
    parser.add_argument("--full", action="store_true", help="50,000 / 50,000 × 10 / 200,000")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reset", action="store_true", help="drop and re-create the database")
    parser.add_argument("--skip-import", action="store_true", help="only the API")
    parser.add_argument("--skip-api", action="store_true", help="only the importer")
    parser.add_argument(
        "--skip-resend", action="store_true", help="do not send everything a second time"
    )
    args = parser.parse_args()
    if args.full:
        args.customers, args.orders, args.lines, args.invoices = 50_000, 50_000, 10, 200_000

    data_dir = tempfile.mkdtemp(prefix="relata-sales-bench-")
    os.environ["RELATA_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        if args.reset:
            reset_database(args.database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    os.environ.update({"DEBUG": "false", "LOG_LEVEL": "WARNING", "HUEY_IMMEDIATE": "true"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    try:
        Bench(args, Path(data_dir)).run()
    finally:
        from django.db import connection

        connection.close()
        shutil.rmtree(data_dir, ignore_errors=True)  # the SQLite database and the CSV files


def reset_database(url: str) -> None:
    """Drop and re-create the database of ``url`` (connecting to ``postgres``)."""
    import urllib.parse

    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


# --- The generated ERP data (deterministic; produced batch by batch) ---------------------


def tax_id(n: int) -> str:
    """A valid CIF of a limited company (B + 7 digits + check digit), one per ``n``."""
    from stdnum.es import cif

    digits = f"B{n:07d}"
    return digits + cif.calc_check_digits(digits)[0]


def customer(i: int, prefix: str = "") -> dict[str, Any]:
    return {
        "external_id": f"{prefix}C{i:06d}",
        "code": f"{prefix}{i:06d}",
        "name": f"Customer {prefix}{i} SL",
        # The importer's customers (prefix X) get other tax ids than the API's.
        "tax_id": tax_id(i + (5_000_000 if prefix else 0)),
        "payment_terms": "30 days",
        "price_list": "GENERAL",
        "credit_limit": "10000.00",
        "email": f"buy{i}@c{prefix.lower()}{i}.example",
        "phone": f"+34 91{i % 10_000_000:07d}",
        "addresses": [
            {"kind": "billing", "street": f"Calle {i}", "city": "Madrid", "postal_code": "28001"},
            {"kind": "delivery", "street": f"Nave {i}", "city": "Getafe", "postal_code": "28901"},
        ],
        "contacts": [
            {"first_name": "Ana", "last_name": f"Buyer {i}", "email": f"ana{i}@c{i}.example"}
        ],
    }


def product(i: int) -> dict[str, Any]:
    return {
        "external_id": f"P{i:05d}",
        "code": f"P-{i:05d}",
        "name": f"Product {i}",
        "unit_price": f"{10 + i % 90}.50",
        "family": {"external_id": f"F{i % 20}", "name": f"Family {i % 20}"},
    }


def order(i: int, args: argparse.Namespace, prefix: str = "") -> dict[str, Any]:
    return {
        "external_id": f"{prefix}O{i:07d}",
        "number": f"SO-{prefix}{i}",
        "customer": f"{prefix}C{i % args.customers:06d}",
        "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "lines": [
            {
                "line_number": n + 1,
                "product": f"P{(i + n) % PRODUCTS:05d}",
                "quantity": str(1 + n),
                "unit_price": "12.50",
                "discount": "5",
            }
            for n in range(args.lines)
        ],
    }


def invoice(i: int, args: argparse.Namespace, prefix: str = "") -> dict[str, Any]:
    return {
        "external_id": f"{prefix}I{i:07d}",
        "number": f"F-{prefix}{i}",
        "customer": f"{prefix}C{i % args.customers:06d}",
        "order": f"{prefix}O{i % args.orders:07d}" if args.orders else "",
        "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "paid_amount": "0",
        "lines": [
            {
                "line_number": 1,
                "product": f"P{i % PRODUCTS:05d}",
                "quantity": "2",
                "unit_price": "9.95",
            },
            {"line_number": 2, "description": "Freight", "quantity": "1", "unit_price": "6"},
        ],
    }


def batches(count: int, make: Callable[[int], dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for offset in range(0, count, BATCH):
        yield [make(i) for i in range(offset, min(offset + BATCH, count))]


def flat(record: dict[str, Any], parent: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One record as a CSV row (addresses and the contact in columns) and its line rows."""
    head = {
        k: v for k, v in record.items() if k not in ("lines", "addresses", "contacts", "family")
    }
    for address in record.get("addresses", []):
        for key, value in address.items():
            if key != "kind":
                head[f"{address['kind']}_{key}"] = value
    for contact in record.get("contacts", [])[:1]:
        for key, value in contact.items():
            head[f"contact_{key}"] = value
    lines = [{parent: record["external_id"], **line} for line in record.get("lines", [])]
    return head, lines


def write_csv(
    path: Path, lines_path: Path | None, parent: str, chunks: Iterator[list[dict[str, Any]]]
) -> None:
    heads = lines = None
    with path.open("w", newline="", encoding="utf-8") as head_file:
        line_file = lines_path.open("w", newline="", encoding="utf-8") if lines_path else None
        try:
            for chunk in chunks:
                for record in chunk:
                    head, children = flat(record, parent)
                    if heads is None:
                        heads = csv.DictWriter(head_file, fieldnames=list(head))
                        heads.writeheader()
                    heads.writerow(head)
                    if line_file is not None and children:
                        if lines is None:
                            names = {k for child in children for k in child}
                            order_ = [parent, "line_number", "product", "description"]
                            fields = [k for k in order_ if k in names]
                            fields += sorted(names - set(fields))
                            lines = csv.DictWriter(line_file, fieldnames=fields)
                            lines.writeheader()
                        lines.writerows(children)
        finally:
            if line_file is not None:
                line_file.close()


# --- The run --------------------------------------------------------------------------


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


class Bench:
    def __init__(self, args: argparse.Namespace, data_dir: Path) -> None:
        self.args = args
        self.data_dir = data_dir
        self.lines: list[str] = []

    def say(self, text: str) -> None:
        print(text, flush=True)
        self.lines.append(text)

    def report(self, label: str, count: int, seconds: float, unit: str = "records") -> None:
        self.say(
            f"{label:<62} {count:>9,} {unit:<7} {seconds:8.1f} s {count / seconds:9,.0f} /s"
            f"   ({load()})"
        )

    def run(self) -> None:
        from django.db import connection
        from rest_framework.test import APIClient

        from relata.core.models import Role
        from relata.core.services import user_create
        from relata.entities.models import EntityKind, KindMeaning
        from relata.sales.linking import link_setting
        from relata.sales.models import Customer, Master
        from relata.sales.tokens import integration_token_create

        args = self.args
        if Customer.objects.exists():
            sys.exit("The database already holds ERP customers: use an empty one (--reset).")
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
        assert link_setting(Master.CUSTOMERS).creates_entity
        _token, raw = integration_token_create(user=admin, name="bench")
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version()"
                if connection.vendor == "postgresql"
                else "SELECT sqlite_version()"
            )
            version = cursor.fetchone()[0].split(" on ")[0]
        self.database = f"{connection.vendor}: {version} ({connection.settings_dict['NAME']})"
        self.say(
            f"sales load benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()}, {os.cpu_count()} CPUs, {load()}"
        )
        self.say(f"database: {self.database}")
        self.say(
            f"volume: {args.customers:,} customers (linking on: each creates an entity with "
            f"its tax id, 2 addresses, email, phone, 1 contact), {args.orders:,} orders × "
            f"{args.lines} lines = {args.orders * args.lines:,} order lines, "
            f"{args.invoices:,} invoices × 2 lines, {PRODUCTS} products"
        )
        started = time.perf_counter()
        if not args.skip_api:
            self.api()
        if not args.skip_import:
            self.importer(admin)
        self.say(f"total time {time.perf_counter() - started:,.0f} s; {self.counts()}")
        RESULTS.mkdir(exist_ok=True)
        vendor = connection.vendor
        path = RESULTS / f"sales-load-{datetime.datetime.now():%Y%m%d-%H%M%S}-{vendor}.txt"
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        print(f"saved to {path.relative_to(ROOT)}")

    def counts(self) -> str:
        from relata.entities.models import Contact, Entity
        from relata.sales.models import Customer, Invoice, SalesOrder, SalesOrderLine

        return (
            f"rows: {Customer.objects.count():,} customers, {Entity.objects.count():,} "
            f"entities, {Contact.objects.count():,} contacts, {SalesOrder.objects.count():,} "
            f"orders, {SalesOrderLine.objects.count():,} order lines, "
            f"{Invoice.objects.count():,} invoices"
        )

    def send(
        self, kind: str, chunks: Iterator[list[dict[str, Any]]], expect: str
    ) -> tuple[float, int]:
        seconds, count = 0.0, 0
        for chunk in chunks:
            start = time.perf_counter()
            response = self.client.post(f"/api/v1/sales/{kind}/bulk/", chunk, format="json")
            seconds += time.perf_counter() - start
            assert response.status_code == 200, response.content[:500]
            assert response.json()[expect] == len(chunk), response.json()
            count += len(chunk)
        return seconds, count

    def api(self) -> None:
        args = self.args
        self.say(
            "— bulk API (POST /api/v1/sales/<kind>/bulk/, 1,000 records a call, Django test client)"
        )
        self.report(
            "products (+20 families)",
            *reversed(self.send("products", batches(PRODUCTS, product), "created")),
        )
        total_seconds = 0.0
        seconds, count = self.send("customers", batches(args.customers, customer), "created")
        self.report("customers (each creates its entity)", count, seconds)
        total_seconds += seconds
        seconds, count = self.send(
            "orders", batches(args.orders, lambda i: order(i, args)), "created"
        )
        self.report("orders (headers)", count, seconds)
        self.report("  … as order lines", count * args.lines, seconds, "lines")
        total_seconds += seconds
        seconds, count = self.send(
            "invoices", batches(args.invoices, lambda i: invoice(i, args)), "created"
        )
        self.report("invoices (2 lines each)", count, seconds)
        total_seconds += seconds
        records = args.customers + args.orders + args.invoices
        self.report("API total (customers + orders + invoices)", records, total_seconds)
        rows = args.customers + args.orders * (1 + args.lines) + args.invoices * 3
        self.report("API total as rows (incl. lines)", rows, total_seconds, "rows")
        if args.skip_resend:
            return
        self.report(
            "customers again (unchanged)",
            *reversed(self.send("customers", batches(args.customers, customer), "unchanged")),
        )
        self.report(
            "orders again (unchanged)",
            *reversed(
                self.send("orders", batches(args.orders, lambda i: order(i, args)), "unchanged")
            ),
        )
        self.report(
            "invoices again (unchanged)",
            *reversed(
                self.send(
                    "invoices", batches(args.invoices, lambda i: invoice(i, args)), "unchanged"
                )
            ),
        )

    def importer(self, admin: Any) -> None:
        from relata.sales.importer import import_directory
        from relata.sales.tokens import command_line_token

        args = self.args
        export = self.data_dir / "export"
        export.mkdir()
        start = time.perf_counter()
        products = [product(i) for i in range(PRODUCTS)]
        for item in products:
            family = item.pop("family")
            item["family_external_id"], item["family_name"] = family["external_id"], family["name"]
        write_csv(export / "products.csv", None, "", iter([products]))
        write_csv(
            export / "customers.csv", None, "", batches(args.customers, lambda i: customer(i, "X"))
        )
        write_csv(
            export / "orders.csv",
            export / "order_lines.csv",
            "order",
            batches(args.orders, lambda i: order(i, args, "X")),
        )
        write_csv(
            export / "invoices.csv",
            export / "invoice_lines.csv",
            "invoice",
            batches(args.invoices, lambda i: invoice(i, args, "X")),
        )
        size = sum(p.stat().st_size for p in export.iterdir())
        self.say(
            f"— relata import-sales (the command's function, one transaction): CSV files of "
            f"{size / 1e6:,.0f} MB written in {time.perf_counter() - start:.0f} s"
        )
        cli = command_line_token(admin)
        for again in (False, True):
            if again and args.skip_resend:
                break
            start = time.perf_counter()
            result = import_directory(token=cli, directory=export, partial=False)
            seconds = time.perf_counter() - start
            assert result.saved and not result.errors, result.errors[:5]
            lines = {"orders.csv": args.lines, "invoices.csv": 2}
            for summary in result.files:
                if summary.file == "products.csv":
                    seconds -= summary.seconds  # 200 products, one by one: not in the totals
                    self.report(
                        f"products.csv{' again' if again else ''}", PRODUCTS, summary.seconds
                    )
                    continue
                count = summary.unchanged if again else summary.created
                assert count == summary.created + summary.updated + summary.unchanged
                label = f"{summary.file}{' again (unchanged)' if again else ''}"
                if summary.file in lines:
                    label += f" (+ {lines[summary.file]} lines each)"
                self.report(label, count, summary.seconds)
            total = args.customers + args.orders + args.invoices
            rows = args.customers + args.orders * (1 + args.lines) + args.invoices * 3
            suffix = " again (unchanged)" if again else ""
            self.report(f"import total{suffix} (customers + orders + invoices)", total, seconds)
            self.report(f"import total{suffix} as rows (incl. lines)", rows, seconds, "rows")


if __name__ == "__main__":
    main()
