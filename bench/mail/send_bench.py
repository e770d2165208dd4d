"""Send N personalised emails (10,000 by default) through the outbox to a real SMTP peer.

    .venv/bin/python bench/mail/send_bench.py
    .venv/bin/python bench/mail/send_bench.py -n 2000 --database-url postgres://…/relata_bench

Every run starts from nothing: a temporary data folder, ``migrate``, then ``N`` contacts
(with addresses, ten per entity) made with ``bulk_create``. An aiosmtpd server runs in a
subprocess (so that its event loop does not share the interpreter with the sender) and
counts what it accepts. The script then times the two halves separately:

* queueing: ``services.email_send`` renders one message per contact in the sandbox,
  writes the outbox rows and one "email" action per entity, in one transaction;
* sending: ``outbox.drain()`` claims batches and sends them over SMTP, recording each
  message as it goes (what the background worker does).

It prints messages per second of each, the peak resident memory of the process, and
checks that the peer received every message exactly once (by Message-ID).
``--database-url`` must name a throwaway database.
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

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    django.setup()
    from django.db import connection

    from relata.core.models import Role, Team, User
    from relata.entities.models import Contact, EmailAddress, Entity, EntityKind
    from relata.mailing import outbox, services
    from relata.mailing.models import EmailStatus, OutgoingEmail

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
    print(f"database:          {connection.vendor}, {args.connections} SMTP connections")
    print(f"emails:            {len(result.emails)} ({len(result.actions)} timeline actions)")
    print(f"queue (render+DB): {queue_seconds:.1f} s, {args.n / queue_seconds:.0f} messages/s")
    print(f"send (SMTP+DB):    {send_seconds:.1f} s, {drained.sent / send_seconds:.0f} messages/s")
    print(
        f"send CPU (ours):   {send_cpu:.1f} s, {1000 * send_cpu / args.n:.1f} ms per message"
        f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    total = queue_seconds + send_seconds
    print(f"end to end:        {total:.1f} s, {args.n / total:.0f} messages/s")
    print(f"peak memory (RSS): {peak_rss_mb():.0f} MB")
    print(f"peer received:     {received} ({unique} distinct Message-IDs); marked sent: {sent}")
    if not received == unique == sent == args.n:
        sys.exit("Some messages were lost or sent twice.")


if __name__ == "__main__":
    main()
