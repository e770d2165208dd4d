"""Measure page and API latency on a demo database, through Django's test client.

    .venv/bin/python bench/run.py               # or: make bench
    .venv/bin/python bench/run.py -n 500 --entities 1000
    .venv/bin/python bench/run.py --database-url postgres://relata:relata@127.0.0.1/relata_bench

Every run starts from nothing: a new temporary data folder (SQLite database, secret key,
static files), ``migrate``, ``collectstatic`` and ``relata demo --seed 1 --no-progress``.
Then an administrator (who sees everything: the slowest case) requests each URL ``N`` times
and the script prints the median and 95th percentile. The test client skips the network
and the WSGI server, so the numbers are Django's own time: views, templates, queries.

``--database-url`` benchmarks another database instead of SQLite; it must be a throwaway
database, since the demo data is written into it. ``DATABASE_URL`` from the environment is
ignored on purpose, so that a benchmark never writes into a real database by accident.
The table is also saved under ``bench/results/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

URLS = ["/", "/settings/users/", "/api/v1/users/", "/api/v1/parameters/"]
# The entity list (issue 3): first page, a filtered page and a search, in the UI and the API.
# ``{kind}``, ``{zone}`` and ``{word}`` are filled from the demo data.
ENTITY_URLS = [
    "/entities/",
    "/entities/?kind={kind}&zone={zone}",
    "/entities/?q={word}",
    "/api/v1/entities/",
    "/api/v1/entities/?kind={kind}&zone={zone}",
    "/api/v1/entities/?search={word}",
]
# The agenda (issue 4): a week of the viewer's calendar, the action list, an entity page
# with its actions panel, the API list and the viewer's iCalendar feed. Built by name at
# run time from ``action_urls``.
# The cases (issue 5): the pipeline board (opportunities, default filters and one owner's),
# the open-cases report and its API, with ``--cases`` cases (200,000 by default) added by
# ``bench/cases_data.py``. Built at run time from ``case_urls``.
CASES_DEFAULT = 200_000
# The control panel and the forecast (issue 6): ``--opportunities`` opportunities and
# ``--actions`` actions added by ``bench/dashboard_data.py`` on top of a 20,000-entity demo.
# Built at run time from ``dashboard_urls``; a URL that does not resolve yet is reported as
# missing, and one that answers something else than 200 is reported with its status.
OPPORTUNITIES_DEFAULT = 200_000
ACTIONS_DEFAULT = 1_000_000
DASHBOARD_ENTITIES = 20_000
TARGET_MS = 250.0
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def percentile(samples: list[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest sample with ``pct`` % at or below it."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def database_description(connection) -> str:  # type: ignore[no-untyped-def]
    """The database product and server version, e.g. "PostgreSQL 15.13"."""
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150013
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return connection.display_name


def relata(*args: str, env: dict[str, str]) -> None:
    """Run a ``relata`` management command in a child process, failing loudly."""
    subprocess.run([sys.executable, "-m", "relata", *args], env=env, check=True)


def prepare(env: dict[str, str], seed: int, entities: int | None) -> float:
    """Migrate, collect static files and load the demo data; return the seconds taken."""
    start = time.perf_counter()
    relata("migrate", "--no-input", "--verbosity", "0", env=env)
    relata("collectstatic", "--no-input", "--verbosity", "0", env=env)
    demo = ["demo", "--seed", str(seed), "--no-progress"]
    if entities is not None:
        demo += ["--entities", str(entities)]
    relata(*demo, env=env)
    return time.perf_counter() - start


def measure(client, url: str, n: int, warmup: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    """Request ``url`` ``warmup`` + ``n`` times; return the ``n`` timings (ms) and status."""
    for _ in range(warmup):
        client.get(url)
    timings = []
    status = 0
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        status = response.status_code
        if status != 200:
            raise SystemExit(f"GET {url} answered {status}, not 200:\n{response.content[:500]!r}")
    return timings, status


def entity_urls() -> list[str]:
    """Fill the entity URLs with a kind, a zone and a search word found in the data."""
    from relata.entities.models import Entity, EntityKind, Zone

    kind = EntityKind.objects.filter(code="prospect").first() or EntityKind.objects.first()
    zone = Zone.objects.order_by("order").first()
    sample = Entity.objects.order_by("pk").first()
    word = sample.legal_name.split()[0].lower() if sample else "a"
    return [
        u.format(kind=kind.pk if kind else "", zone=zone.pk if zone else "", word=word)
        for u in ENTITY_URLS
    ]


def action_urls(viewer) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the agenda URLs for ``viewer``: this week, their list, an entity, the feed."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from relata.actions.models import Action
    from relata.actions.services import calendar_feed_renew

    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    sunday = monday + datetime.timedelta(days=7)
    week = f"start={monday.isoformat()}T00:00:00&end={sunday.isoformat()}T00:00:00"
    busiest = (
        Action.objects.filter(owner=viewer).values_list("entity_id", flat=True).first()
        or Action.objects.values_list("entity_id", flat=True).first()
    )
    urls = [
        reverse("actions:agenda"),
        f"{reverse('actions:agenda_events')}?{week}",
        reverse("actions:list"),
        f"{reverse('actions:list')}?status=planned",
        f"/api/v1/actions/?from={monday.isoformat()}&to={sunday.isoformat()}",
    ]
    if busiest:
        urls.append(reverse("entities:detail", args=[busiest]))
    token = calendar_feed_renew(user=viewer)
    urls.append(reverse("actions:feed", args=[token]))
    return urls


def case_urls(owner) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the cases URLs: the board, the board of ``owner``'s cases, the report and,
    when it exists, the report's API."""
    from django.urls import Resolver404, resolve, reverse

    urls = [
        reverse("cases:board"),
        f"{reverse('cases:board')}?owner={owner.pk}",
        reverse("cases:open_report"),
    ]
    try:
        resolve("/api/v1/reports/open-cases/")
    except Resolver404:
        print("No /api/v1/reports/open-cases/ yet: skipped.")
    else:
        urls.append("/api/v1/reports/open-cases/")
    return urls


def dashboard_urls(who: str, member, team) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the panel and forecast URLs; a manager also switches to a member and a team."""
    urls = ["/", "/panel/kpis/"]  # the KPIs card loads after the page (htmx)
    if who == "manager":
        urls += [f"/?member={member.pk}", f"/?team={team.pk}", f"/panel/kpis/?team={team.pk}"]
    urls += [
        "/forecast/?group_by=agent",
        "/forecast/?group_by=month",
        "/api/v1/forecast/?group_by=agent",
        "/api/v1/forecast/?group_by=month",
        "/api/v1/dashboard/",
    ]
    return urls


def view_name(url: str) -> str | None:
    """The name of the view ``url`` resolves to, or None when no view answers it."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(url.split("?")[0])
    except Resolver404:
        return None
    view = getattr(match.func, "view_class", match.func)
    return f"{match.view_name} ({view.__module__}.{view.__name__})"


def measure_lenient(client, url: str, n: int, warmup: int):  # type: ignore[no-untyped-def]
    """Like :func:`measure`, but a first answer other than 200 (or an exception, for pages
    still being written) is returned, not fatal."""
    try:
        first = client.get(url)
    except Exception as error:  # reported in the table, not raised
        print(f"GET {url} raised {error!r}", flush=True)
        return [], "error"
    if first.status_code != 200:
        return [], first.status_code
    return measure(client, url, n, max(0, warmup - 1))


def profile(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """One request with every query captured: count, total and the five slowest queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        client.get(url)
        total = (time.perf_counter() - start) * 1000
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    spent = sum(float(q["time"]) for q in queries) * 1000
    lines = [f"{url}: {total:.1f} ms, {len(queries)} queries, {spent:.1f} ms in the database"]
    for query in queries[:5]:
        lines.append(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:1500]}")
    return lines


def database_size(connection) -> str:  # type: ignore[no-untyped-def]
    """The database's size on disk, in MB."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
    elif connection.vendor == "sqlite":
        size = Path(connection.settings_dict["NAME"]).stat().st_size
    else:
        return "?"
    return f"{size / 1024 / 1024:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="requests per URL (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument(
        "--entities", type=int, default=None, help="demo size, passed to `relata demo --entities`"
    )
    parser.add_argument(
        "--suite",
        choices=["core", "entities", "actions", "cases", "dashboard"],
        default="core",
        help="which URLs: the foundation's pages, or the entity list (default core)",
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=CASES_DEFAULT,
        help=f"cases in the database for --suite cases (default {CASES_DEFAULT:,})",
    )
    parser.add_argument(
        "--opportunities",
        type=int,
        default=OPPORTUNITIES_DEFAULT,
        help=f"opportunities for --suite dashboard (default {OPPORTUNITIES_DEFAULT:,})",
    )
    parser.add_argument(
        "--actions",
        type=int,
        default=ACTIONS_DEFAULT,
        help=f"actions for --suite dashboard (default {ACTIONS_DEFAULT:,})",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after measuring, capture the queries of one request per URL (slowest first)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="--suite dashboard: measure only the URLs containing this text",
    )
    parser.add_argument(
        "--data-dir",
        default="",
        help="reuse a data folder prepared before (skips migrate and demo): large demos "
        "take minutes to build; a missing or empty folder is prepared first and kept",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a throwaway database to use instead of a new SQLite file",
    )
    args = parser.parse_args()
    if args.n < 1:
        parser.error("-n must be at least 1")
    if args.suite == "dashboard" and args.entities is None:
        args.entities = DASHBOARD_ENTITIES
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="relata-bench-") as temp_dir:
        data_dir = args.data_dir or temp_dir
        env = {
            **os.environ,
            "RELATA_DATA_DIR": data_dir,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
            "HUEY_IMMEDIATE": "true",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "relata.config.settings",
        }
        env.pop("DATABASE_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        if args.data_dir and Path(data_dir).is_dir() and any(Path(data_dir).iterdir()):
            prep_seconds = 0.0
            if args.suite == "dashboard":
                # The code may have moved on since: new migrations, new static files.
                relata("migrate", "--no-input", "--verbosity", "0", env=env)
                relata("collectstatic", "--no-input", "--verbosity", "0", env=env)
        else:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            print(f"Preparing a demo database in {data_dir} …", flush=True)
            prep_seconds = prepare(env, args.seed, args.entities)
        os.environ.clear()
        os.environ.update(env)

        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        from relata.core.models import Role, User
        from relata.core.services import user_create

        admin = User.objects.filter(username="bench-admin").first() or user_create(
            by=None,
            username="bench-admin",
            password=None,
            role=Role.ADMINISTRATOR,
            first_name="Bench",
        )
        viewers = [("admin", admin)]
        urls = URLS
        if args.suite == "entities":
            urls = entity_urls()
            agent = User.objects.filter(role=Role.AGENT, teams__isnull=False).first()
            if agent is not None:
                viewers.append(("agent", agent))

        if args.suite == "actions":
            agent = User.objects.filter(role=Role.AGENT, teams__isnull=False).order_by("pk").first()
            if agent is not None:
                viewers.append(("agent", agent))

        case_owner = None
        if args.suite == "cases":
            from cases_data import fill_cases  # bench/, beside this script

            print(f"Filling the database up to {args.cases:,} cases …", flush=True)
            _added, fill_seconds = fill_cases(args.cases, seed=args.seed)
            prep_seconds += fill_seconds
            agent = User.objects.filter(role=Role.AGENT, teams__isnull=False).order_by("pk").first()
            manager = (
                User.objects.filter(role=Role.MANAGER, teams__isnull=False).order_by("pk").first()
            )
            if agent is None or manager is None:
                raise SystemExit("The demo made no agent or manager in a team.")
            # The busiest owner is the agent; the filtered board shows their cases.
            case_owner = agent
            viewers = [("agent", agent), ("manager", manager), ("admin", admin)]

        fill_times: dict[str, float] = {}
        if args.suite == "dashboard":
            from dashboard_data import fill_dashboard  # bench/, beside this script

            print(
                f"Filling the database up to {args.opportunities:,} opportunities and "
                f"{args.actions:,} actions …",
                flush=True,
            )
            fill_times = fill_dashboard(args.opportunities, args.actions, seed=args.seed)
            prep_seconds += sum(fill_times.values())
            manager = (
                User.objects.filter(role=Role.MANAGER, teams__isnull=False).order_by("pk").first()
            )
            if manager is None:
                raise SystemExit("The demo made no manager in a team.")
            team = manager.teams.order_by("pk").first()
            agent = (
                User.objects.filter(role=Role.AGENT, teams=team).order_by("pk").first()
                if team
                else None
            )
            if agent is None or team is None:
                raise SystemExit("The demo made no agent in the manager's team.")
            viewers = [("agent", agent), ("manager", manager), ("admin", admin)]

        rows = []
        notes: list[str] = []
        profiles: list[str] = []
        for who, viewer in viewers:
            client = Client()
            client.force_login(viewer)
            if args.suite == "actions":
                viewer_urls = action_urls(viewer)
            elif args.suite == "cases":
                viewer_urls = case_urls(case_owner)
            elif args.suite == "dashboard":
                viewer_urls = [u for u in dashboard_urls(who, agent, team) if args.only in u]
            else:
                viewer_urls = urls
            if args.suite == "dashboard":
                for url in viewer_urls:
                    name = view_name(url)
                    if name is None:
                        rows.append((f"{who} {url}", 0, None, None, "missing"))
                        continue
                    timings, status = measure_lenient(client, url, args.n, args.warmup)
                    if not timings:
                        rows.append((f"{who} {url}", 0, None, None, status))
                        continue
                    rows.append(
                        (
                            f"{who} {url}",
                            len(timings),
                            statistics.median(timings),
                            percentile(timings, 95),
                            status,
                        )
                    )
                    if who == "agent" or url == "/":
                        notes.append(f"{url.split('?')[0]} → {name}")
                    if args.profile:
                        profiles += [f"[{who}] " + line for line in profile(client, url)]
                continue
            for url in viewer_urls:
                timings, status = measure(client, url, args.n, args.warmup)
                rows.append(
                    (
                        f"{who} {url}",
                        len(timings),
                        statistics.median(timings),
                        percentile(timings, 95),
                        status,
                    )
                )

        vendor = database_description(connection)
        users = User.objects.count()
        sizes = ""
        if args.suite == "entities":
            from relata.entities.models import Contact, Entity

            sizes = f"   entities: {Entity.objects.count()}   contacts: {Contact.objects.count()}"
        if args.suite == "actions":
            from relata.actions.models import Action
            from relata.entities.models import Entity

            sizes = f"   entities: {Entity.objects.count()}   actions: {Action.objects.count()}"
        if args.suite == "cases":
            from relata.cases.models import Case
            from relata.entities.models import Entity

            sizes = (
                f"   entities: {Entity.objects.count()}   cases: {Case.objects.count()}"
                f" ({Case.objects.filter(case_type__is_opportunity=True).count()} opportunities)"
            )
        if args.suite == "dashboard":
            from dashboard_data import row_counts

            sizes = "   " + "   ".join(f"{k}: {v:,}" for k, v in row_counts().items())
            sizes += f"\nDatabase size: {database_size(connection)}"
            if any(fill_times.values()):
                sizes += "   generation: " + ", ".join(
                    f"{k} {v:.1f} s" for k, v in fill_times.items()
                )
            else:
                sizes += "   (data already there: nothing generated)"
        load_after = os.getloadavg()
        lines = [
            f"Relata latency, Django test client — {datetime.now():%Y-%m-%d %H:%M}",
            f"Database: {vendor}   users: {users}   demo seed: {args.seed}{sizes}",
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPUs; preparing took {prep_seconds:.1f} s",
            "Load average (1, 5, 15 min) before: "
            + " ".join(f"{x:.2f}" for x in load_before)
            + ", after: "
            + " ".join(f"{x:.2f}" for x in load_after),
            "",
            f"{'URL':<52} {'N':>5} {'median ms':>10} {'p95 ms':>9} {'status':>7}",
            f"{'-' * 52} {'-' * 5} {'-' * 10} {'-' * 9} {'-' * 7}",
        ]
        for url, n, median, p95, status in rows:
            if median is None:
                lines.append(f"{url:<52} {n:>5} {'-':>10} {'-':>9} {status:>7}")
                continue
            flag = "  > target" if args.suite == "dashboard" and p95 >= TARGET_MS else ""
            lines.append(f"{url:<52} {n:>5} {median:>10.2f} {p95:>9.2f} {status:>7}{flag}")
        if notes:
            lines += ["", "Views: " + "; ".join(dict.fromkeys(notes))]
        if profiles:
            lines += ["", "Queries of one request per URL (slowest first):", *profiles]
        report = "\n".join(lines)
        print()
        print(report)
        connection.close()

    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{datetime.now():%Y%m%d-%H%M%S}-{vendor.split()[0].lower()}.txt"
    out.write_text(report + "\n")
    print(f"\nSaved to {out}")


if __name__ == "__main__":
    main()
