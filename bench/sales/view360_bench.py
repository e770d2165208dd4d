"""Time the entity page with its "Sales (ERP)" panel (the 360° view) for a customer with
5,000 orders.

    .venv/bin/python bench/sales/view360_bench.py                    # SQLite, temporary
    .venv/bin/python bench/sales/view360_bench.py --database-url postgres://relata:relata@127.0.0.1:5432/relata_v360

One ERP customer linked to an entity owned by an agent gets ``--orders`` orders (``--lines``
lines each), as many deliveries and ``--invoices`` invoices (three lines each, over eight
product families) spread over the last 24 months, written with ``bulk_create``. The entity
page is then requested through Django's test client (no network): 10 warm-up requests and
``--requests`` timed ones, as an administrator and as the owning agent; the median, p95
and the page's query count are printed with the machine's load average, and saved under
``bench/results/sales-view360-<time>-<database>.txt`` (ignored by git). Use a throwaway
database: tables are migrated and filled, not emptied (``--reset`` drops and re-creates a
PostgreSQL database first).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--lines", type=int, default=5, help="lines per order")
    parser.add_argument("--invoices", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--verbose", action="store_true", help="print the slowest queries")
    parser.add_argument("--reset", action="store_true", help="drop and re-create the database")
    args = parser.parse_args()

    os.environ["RELATA_DATA_DIR"] = tempfile.mkdtemp(prefix="relata-v360-bench-")
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        if args.reset:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from load_bench import reset_database

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
    call_command("collectstatic", verbosity=0, interactive=False)
    entity, users = load(args)
    lines = measure(args, entity, users)
    from django.db import connection

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"sales-view360-{stamp}-{connection.vendor}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"saved to {path.relative_to(ROOT)}")


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def load(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    import datetime
    import decimal
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from relata.core.models import Role, Team, User
    from relata.entities.models import Entity, EntityKind, KindMeaning
    from relata.products.models import Product, ProductFamily
    from relata.sales.models import (
        Customer,
        Delivery,
        DeliveryStatus,
        Invoice,
        InvoiceLine,
        InvoiceStatus,
        OrderStatus,
        SalesOrder,
        SalesOrderLine,
    )

    D = decimal.Decimal
    rng = random.Random(360)
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        team = Team.objects.create(name=f"Bench team {now:%H%M%S%f}")
        admin = User.objects.create(username=f"bench-admin-{now:%H%M%S%f}", role=Role.ADMINISTRATOR)
        agent = User.objects.create(username=f"bench-agent-{now:%H%M%S%f}", role=Role.AGENT)
        agent.teams.add(team)
        kind, _new = EntityKind.objects.get_or_create(
            code="customer",
            defaults={
                "label_en": "Customer",
                "label_es": "Cliente",
                "meaning": KindMeaning.CUSTOMER,
            },
        )
        entity = Entity.objects.create(
            kind=kind, legal_name="Benchmark Customer SA", owner=agent, team=team
        )
        products = []
        for n in range(8):
            family = ProductFamily.objects.create(
                code=f"bench-{now:%H%M%S%f}-{n}", name_en=f"Family {n}", name_es=f"Familia {n}"
            )
            products.append(
                Product.objects.create(
                    code=f"BENCH-{now:%H%M%S%f}-{n}",
                    name_en=f"Product {n}",
                    family=family,
                    unit_price=D("10.00"),
                )
            )
        customer = Customer.objects.create(
            external_id=f"BENCH-{now:%H%M%S%f}",
            name=entity.legal_name,
            entity=entity,
            credit_limit=D("250000.00"),
            payment_terms="60 days",
            price_list="GENERAL",
            commercial_conditions={"discount": 5},
            updated_at=now,
        )

        def day() -> datetime.date:
            return today - datetime.timedelta(days=rng.randint(0, 730))

        prefix = customer.external_id
        orders = [
            SalesOrder(
                external_id=f"{prefix}-O{n}",
                number=f"SO-{n:06d}",
                customer=customer,
                date=day(),
                status=rng.choices(list(OrderStatus), [1, 1, 20, 1])[0],
                total=D(rng.randint(100, 5000)),
                updated_at=now,
            )
            for n in range(args.orders)
        ]
        SalesOrder.objects.bulk_create(orders, batch_size=2_000)
        SalesOrderLine.objects.bulk_create(
            (
                SalesOrderLine(
                    order=order,
                    line_number=n + 1,
                    product=rng.choice(products),
                    quantity=D(rng.randint(1, 20)),
                    unit_price=D("10.00"),
                    amount=D("100.00"),
                )
                for order in orders
                for n in range(args.lines)
            ),
            batch_size=5_000,
        )
        Delivery.objects.bulk_create(
            (
                Delivery(
                    external_id=f"{prefix}-D{n}",
                    number=f"AL-{n:06d}",
                    customer=customer,
                    order=order,
                    date=order.date,
                    status=rng.choices(list(DeliveryStatus), [1, 1, 20])[0],
                    updated_at=now,
                )
                for n, order in enumerate(orders)
            ),
            batch_size=2_000,
        )
        invoices = []
        for n in range(args.invoices):
            date = day()
            total = D(rng.randint(100, 5000))
            paid = total if rng.random() < 0.9 else D("0.00")
            invoices.append(
                Invoice(
                    external_id=f"{prefix}-I{n}",
                    number=f"F-{n:06d}",
                    customer=customer,
                    order=orders[n % len(orders)] if orders else None,
                    date=date,
                    due_date=date + datetime.timedelta(days=60),
                    total=total,
                    paid_amount=paid,
                    status=InvoiceStatus.PAID if paid == total else InvoiceStatus.OPEN,
                    updated_at=now,
                )
            )
        Invoice.objects.bulk_create(invoices, batch_size=2_000)
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(
                    invoice=invoice,
                    line_number=n + 1,
                    product=rng.choice(products),
                    quantity=D("1"),
                    unit_price=invoice.total / 3,
                    amount=(invoice.total / 3).quantize(D("0.01")),
                )
                for invoice in invoices
                for n in range(3)
            ),
            batch_size=5_000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
        )
        version = cursor.fetchone()[0].split(" on ")[0]
    print(
        f"database: {connection.vendor}: {version} ({connection.settings_dict['NAME']}); "
        f"loaded {args.orders} orders × {args.lines} lines, {args.orders} deliveries, "
        f"{args.invoices} invoices × 3 lines in {time.perf_counter() - started:.1f} s"
    )
    baseline = Entity.objects.create(
        kind=kind, legal_name="Benchmark Prospect SA", owner=agent, team=team
    )
    return entity, {"administrator": admin, "owning agent": agent, "baseline": (agent, baseline)}


def measure(args: argparse.Namespace, entity, users) -> list[str]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test import Client

    lines = [
        f"sales 360° view benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs; {connection.vendor} ({connection.settings_dict['NAME']}); a "
        f"customer with {args.orders} orders × {args.lines} lines, {args.orders} deliveries, "
        f"{args.invoices} invoices × 3 lines; {args.requests} requests per user after 10 "
        "warm-up ones (Django test client)"
    ]
    print(lines[0])

    for label, user in users.items():
        url = entity.get_absolute_url()
        if isinstance(user, tuple):  # the same page of an unlinked entity: without figures
            user, other = user
            url = other.get_absolute_url()
            label = "agent, unlinked"
        client = Client()
        client.force_login(user)
        for _n in range(10):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        assert (b'id="sales-chart-' in response.content) == (url == entity.get_absolute_url())
        queries: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql))

        with connection.execute_wrapper(timed):
            client.get(url)
        times = []
        for _n in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        line = (
            f"{connection.vendor} {label:>14}: median {statistics.median(times):6.1f} ms, "
            f"p95 {p95:6.1f} ms, max {times[-1]:6.1f} ms, "
            f"{len(queries)} queries ({sum(q[0] for q in queries):.1f} ms), "
            f"{len(response.content) // 1024} KiB   ({load_average()})"
        )
        print(line, flush=True)
        lines.append(line)
        if args.verbose:
            for ms, sql in sorted(queries, reverse=True)[:8]:
                print(f"    {ms:6.1f} ms  {sql[:110]}")
    return lines


if __name__ == "__main__":
    main()
