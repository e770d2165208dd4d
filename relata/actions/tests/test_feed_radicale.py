"""The feed's events published to a real CalDAV server (Radicale), which must accept them.

Radicale parses and validates every object it is given (with vobject) and refuses what it
cannot read; a CalDAV client would do the same with our events.
"""

from __future__ import annotations

import base64
import datetime
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from xml.etree import ElementTree

import icalendar
import pytest
from django.urls import reverse

from relata.actions import ical, services
from relata.actions.tests.conftest import START

CALENDAR = "/relata/agenda/"


class CalDAV:
    """A minimal CalDAV client; Radicale without authentication takes any user name, and
    creates that user's principal collection (``/relata/``) on first use."""

    def __init__(self, base: str, user: str = "relata") -> None:
        self.base = base
        self.authorization = "Basic " + base64.b64encode(f"{user}:x".encode()).decode()

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method=method,
            headers={"Authorization": self.authorization, **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture
def radicale(tmp_path):
    """Start Radicale on a free local port (no authentication, storage in ``tmp_path``)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "radicale.conf"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = none\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {tmp_path / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    log = (tmp_path / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = CalDAV(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(
                        "Radicale did not start:\n" + (tmp_path / "radicale.log").read_text()
                    )
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a request still being served: stop it hard
            process.kill()
            process.wait(timeout=10)
        log.close()


def _objects(feed: bytes) -> dict[str, bytes]:
    """Split a feed into one calendar object per event, as CalDAV stores them (RFC 4791
    4.1: one UID per resource, with the time zones it uses, and no METHOD)."""
    calendar = icalendar.Calendar.from_ical(feed)
    zones = list(calendar.walk("VTIMEZONE"))
    objects = {}
    for event in calendar.walk("VEVENT"):
        single = icalendar.Calendar.new(prodid=ical.PRODID, subcomponents=[*zones, event])
        single.pop("UID", None)
        objects[str(event["UID"])] = single.to_ical()
    return objects


REPORT = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
  </C:filter>
</C:calendar-query>"""


def test_radicale_accepts_every_event_of_the_feed(
    radicale, client, settings, agent, manager, make_action, contact
):
    settings.RELATA_URL = "https://crm.example.com"
    actions = [
        make_action(subject="Call Acme, about the “renewal”"),
        make_action(
            type="visit",
            subject="Visit Acme",
            location="Calle Mayor 1; Bilbao",
            description="Line one\nLine two, with a comma; and a semicolon",
            start=START + datetime.timedelta(days=1),
        ),
        make_action(
            type="task",
            subject="Prepare offer",
            all_day=True,
            start=START + datetime.timedelta(days=2),
        ),
        make_action(
            type="meeting",
            subject="Reunión de equipo ñ",
            attendee_users=[manager],
            attendee_contacts=[contact],
            # Across the end of summer time in Madrid.
            start=datetime.datetime(2031, 10, 25, 22, 30, tzinfo=datetime.UTC),
            end=datetime.datetime(2031, 10, 26, 2, 30, tzinfo=datetime.UTC),
        ),
    ]
    token = services.calendar_feed_renew(user=agent)
    feed = client.get(reverse("actions:feed", args=[token])).content
    objects = _objects(feed)
    assert set(objects) == {f"{a.uid}@crm.example.com" for a in actions}

    status, body = radicale.request("MKCALENDAR", CALENDAR)
    assert status == 201, body
    for uid, data in objects.items():
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
        status, body = radicale.request(
            "PUT",
            f"{CALENDAR}{uid.split('@')[0]}.ics",
            data,
            {"Content-Type": "text/calendar; charset=utf-8"},
        )
        assert status == 201, (uid, body)

    status, body = radicale.request(
        "REPORT",
        CALENDAR,
        REPORT,
        {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
    )
    assert status == 207, body
    stored = {}
    answer = ElementTree.fromstring(body)  # noqa: S314  (our own test server's reply)
    for node in answer.iter("{urn:ietf:params:xml:ns:caldav}calendar-data"):
        (event,) = icalendar.Calendar.from_ical(node.text or "").walk("VEVENT")
        stored[str(event["UID"])] = event
    assert set(stored) == set(objects)
    for action in actions:
        event = stored[f"{action.uid}@crm.example.com"]
        assert event["SUMMARY"] == action.subject
        if action.all_day:
            assert event["DTSTART"].params["VALUE"] == "DATE"
        else:
            assert event.start == action.start
            assert event.end == action.end

    status, body = radicale.request("GET", f"{CALENDAR}{actions[3].uid}.ics")
    assert status == 200
    assert "Reunión de equipo ñ" in body.decode()


def test_radicale_refuses_a_broken_event(radicale):
    """The peer really validates: an event without DTSTART is refused."""
    status, _body = radicale.request("MKCALENDAR", CALENDAR)
    assert status == 201
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:x", "END:VEVENT"]
    broken = "\r\n".join([*lines, "END:VCALENDAR", ""]).encode()

    status, _body = radicale.request(
        "PUT", f"{CALENDAR}x.ics", broken, {"Content-Type": "text/calendar"}
    )

    assert status >= 400
