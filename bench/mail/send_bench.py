"""Send N personalised emails (10,000 by default) through the outbox to a real SMTP peer.

    .venv/bin/python bench/mail/send_bench.py
    .venv/bin/python bench/mail/send_bench.py -n 2000 --database-url postgres://…/relata_bench
    .venv/bin/python bench/mail/send_bench.py --group 1   # MAILING_HANDOVER_GROUP

Every run starts from nothing: a temporary data folder, ``migrate`` and ``flush``, then
``N`` contacts (with addresses, ten per entity) made with ``bulk_create``. An aiosmtpd
server runs in a subprocess (so that its event loop does not share the interpreter with
the sender) and counts what it accepts. The script then times the two halves separately:

* queueing: ``services.email_send`` renders one message per contact in the sandbox,
  writes the outbox rows and one "email" action per entity, in one transaction;
* sending: ``outbox.drain()`` claims batches and sends them over SMTP, recording them a
  hand-over group at a time (what the background worker does).

It prints the database (and its size after the run), messages per second of each half,
CPU per message, the peak resident memory of the process (after queueing and in all),
the load average before and after, and checks that the peer received every message
exactly once (by Message-ID). ``--database-url`` must name a throwaway database (it is
flushed).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PEER = r"""
import asyncio, signal, sys
from aiosmtpd.controller import Controller

ids = set()
count = 0

class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                ids.add(line.split(b":", 1)[1].strip())
                break
            if not line:
                break
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()
controller.stop()
print(count, len(ids), flush=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="emails to send")
    parser.add_argument("--database-url", default="", help="a throwaway database")
    parser.add_argument(
        "--connections", type=int, default=4, help="parallel SMTP connections (default 4)"
    )
    parser.add_argument(
        "--group",
        type=int,
        default=0,
        help="MAILING_HANDOVER_GROUP: messages marked handed over per commit",
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="relata-bench-mail-")
    port = free_port()
    os.environ.update(
        {
            "RELATA_DATA_DIR": data_dir,
            "HUEY_IMMEDIATE": "false",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "RELATA_URL": "https://crm.example.com",
        }
    )
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    relata = [sys.executable, "-m", "relata"]
    subprocess.run([*relata, "migrate", "--no-input", "--verbosity", "0"], check=True, cwd=ROOT)
    # A database left by an earlier run starts empty again.
    subprocess.run([*relata, "flush", "--no-input", "--verbosity", "0"], check=True, cwd=ROOT)

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    from relata.core.models import Role, Team, User
    from relata.entities.models import Contact, EmailAddress, Entity, EntityKind
    from relata.mailing import outbox, services
    from relata.mailing.models import EmailStatus, OutgoingEmail

    if args.group:
        settings.MAILING_HANDOVER_GROUP = args.group
    load_before = os.getloadavg()
    team = Team.objects.create(name="Bench")
    user = User.objects.create_user(
        "bench", email="bench@example.com", first_name="Bea", last_name="Bench", role=Role.AGENT
    )
    user.teams.add(team)
    kind, _ = EntityKind.objects.get_or_create(code="customer", defaults={"label_en": "Customer"})
    entities = Entity.objects.bulk_create(
        Entity(kind=kind, legal_name=f"Company {i:05d} SL", owner=user, team=team)
        for i in range((args.n + 9) // 10)
    )
    contacts = Contact.objects.bulk_create(
        Contact(entity=entities[i // 10], first_name=f"Name{i}", last_name="Pérez")
        for i in range(args.n)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(entity_id=c.entity_id, contact=c, email=f"p{i}@example.com", is_main=True)
        for i, c in enumerate(contacts)
    )
    template = services.template_create(
        user=User.objects.create_superuser("root", "root@example.com", "x"),
        data={
            "name": "Bench",
            "language": "es",
            "purpose": "service",
            "subject": "Hola {{ contact.first_name }}, novedades para {{ entity.name }}",
            "body_html": (
                "<p>Estimado/a {{ contact.full_name }}:</p><p>Le escribimos desde "
                "{{ sender.name }} sobre {{ entity.name }} ({{ entity.city or 'España' }}).</p>"
                "<ul><li>Uno</li><li>Dos</li></ul><p>Un saludo,<br>{{ sender.name }}</p>"
            ),
        },
    )

    peer = subprocess.Popen(
        [sys.executable, "-c", PEER, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert peer.stdout is not None and peer.stdin is not None
    assert peer.stdout.readline().strip() == "ready"
    try:
        start = time.perf_counter()
        result = services.email_send(user=user, contacts=contacts, template=template)
        queue_seconds = time.perf_counter() - start
        queue_rss = peak_rss_mb()
        start = time.perf_counter()
        cpu_start = time.process_time()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            drained = profiler.runcall(outbox.drain, connections=1)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        else:
            drained = outbox.drain(connections=args.connections)
        send_seconds = time.perf_counter() - start
        send_cpu = time.process_time() - cpu_start
    finally:
        peer.stdin.write("\n")
        peer.stdin.flush()
        received, unique = (int(x) for x in peer.stdout.readline().split())
        peer.wait()
    sent = OutgoingEmail.objects.filter(status=EmailStatus.SENT).count()
    group = int(getattr(settings, "MAILING_HANDOVER_GROUP", outbox.HANDOVER_GROUP))
    load_after = os.getloadavg()
    print(f"database:          {database_label(connection)}")
    print(f"data size:         {database_size_mb(connection):.0f} MB after the run")
    print(
        f"settings:          {args.connections} SMTP connections, hand-over group {group}"
        f" ({os.cpu_count()} CPUs)"
    )
    print(f"emails:            {len(result.emails)} ({len(result.actions)} timeline actions)")
    print(f"queue (render+DB): {queue_seconds:.1f} s, {args.n / queue_seconds:.0f} messages/s")
    print(f"send (SMTP+DB):    {send_seconds:.1f} s, {drained.sent / send_seconds:.0f} messages/s")
    print(f"send CPU (ours):   {send_cpu:.1f} s, {1000 * send_cpu / args.n:.1f} ms per message")
    total = queue_seconds + send_seconds
    print(f"end to end:        {total:.1f} s, {args.n / total:.0f} messages/s")
    print(f"peak memory (RSS): {queue_rss:.0f} MB after queueing, {peak_rss_mb():.0f} MB in all")
    print(
        "load average:      {:.1f} {:.1f} {:.1f} before, {:.1f} {:.1f} {:.1f} after".format(
            *load_before, *load_after
        )
    )
    print(f"peer received:     {received} ({unique} distinct Message-IDs); marked sent: {sent}")
    if not received == unique == sent == args.n:
        sys.exit("Some messages were lost or sent twice.")


def database_label(connection: Any) -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({connection.settings_dict['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"


def database_size_mb(connection: Any) -> float:
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        files = [name, Path(f"{name}-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 1e6
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return float(cursor.fetchone()[0]) / 1e6


if __name__ == "__main__":
    main()
