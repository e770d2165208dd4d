"""Parsing every corpus message, plus broken and hostile input."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relata.mailing.inbound.detection import case_number_pattern
from relata.mailing.inbound.parsing import (
    Address,
    ParseOptions,
    normalize_message_id,
    parse,
    synthesized_message_id,
)

from .conftest import CORPUS

OPTIONS = ParseOptions(
    own_message_id_domains=("relata.example.com",),
    own_addresses=("ventas@relata.example.com",),
)
CET = timezone(timedelta(hours=1))

# Per corpus file: the fields that must have exactly these values. Fields not named must be
# "nothing special": no auto-reply, bounce, list, loop, case numbers, attachments, defects.
EXPECTED: dict[str, dict] = {
    "01_plain_text": {
        "message_id": "CAF1234.plain@mail.ferreteria-gomez.es",
        "subject": "Pedido de tornillos para la semana que viene",
        "from_address": "laura.gomez@ferreteria-gomez.es",
        "from_name": "Laura Gomez",
        "to": (Address("", "ventas@relata.example.com"),),
        "cc": (
            Address("Pedro Ruiz", "pedro@ferreteria-gomez.es"),
            Address("", "compras@ferreteria-gomez.es"),
        ),
        "date": datetime(2026, 11, 23, 9, 15, tzinfo=CET),
        "text": "Hola,\n\nNecesitamos 500 tornillos M6 para el lunes.\n\nUn saludo,\nLaura",
        "html": None,
    },
    "02_alternative": {
        "subject": "Solicitud de presupuesto",
        "from_name": "Carlos Martin",
        "text": "Buenos días, quisiera un presupuesto para 20 ventanas.",
        "html": "<html><body><p>Buenos días, quisiera un <b>presupuesto</b> para 20 "
        "ventanas.</p></body></html>",
        "date": datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    },
    "03_html_only": {
        "from_address": "info@tienda-online.es",
        "from_name": "",
        "text": "Nueva consulta\n\nNombre: Ana Belén Torres\n\n"
        "Mensaje: Quiero información sobre precios & plazos.",
    },
    "04_attachments": {
        "text": "Adjunto el pliego, una foto del local y la lista de materiales.",
        "attachments": [
            ("pliego.pdf", "application/pdf", 193, None, False),
            ("local.png", "image/png", 73, None, False),
            ("materiales.txt", "text/plain", 39, None, False),
        ],
    },
    "05_inline_image": {
        "text": "Os enviamos la propuesta:",
        "attachments": [("image.png", "image/png", 73, "logo-05@estudio-diseno.es", True)],
    },
    "06_encoded_q_utf8": {
        "subject": "Reclamación del pedido nº 77 €",
        "from_name": "José María Peña",
        "to": (Address("Atención al cliente", "ventas@relata.example.com"),),
        "text": "El pedido llegó incompleto.",
    },
    "07_encoded_b_latin1": {
        "subject": "Präsentation für die Tagung",
        "from_name": "Jürgen Müller",
    },
    "08_body_iso88591": {
        "text": "Adjunto la información de la factura del año pasado. ¿Podéis revisarla?",
    },
    "09_body_windows1252": {"text": "El precio es 1.200 € — ver “oferta”."},
    "10_unknown_charset": {
        "text": "Información: 3 pedidos pendientes.",
        "defects": (
            "unknown charset 'x-no-such-charset'",
            "body is not valid 'x-no-such-charset': decoded as cp1252",
        ),
    },
    "11_reply_threaded": {
        "subject": "Re: Oferta de tornillos",
        "in_reply_to": "20261127100000.42.offer@relata.example.com",
        "references": (
            "20261120090000.7.first@relata.example.com",
            "20261127100000.42.offer@relata.example.com",
        ),
        "text": "Aceptamos la oferta.\n\n> Le enviamos la oferta solicitada.",
    },
    "12_case_number_subject": {
        "case_numbers_in_subject": ("OPP-2026-00012", "INC-2026-00345"),
    },
    "13_auto_submitted": {
        "is_auto_reply": True,
        "auto_reply_reason": "Auto-Submitted: auto-replied",
        "in_reply_to": "20261127100000.42.offer@relata.example.com",
    },
    "14_x_autoreply": {"is_auto_reply": True, "auto_reply_reason": "X-Autoreply: yes"},
    "15_precedence_bulk": {"is_auto_reply": True, "auto_reply_reason": "Precedence: bulk"},
    "16_vacation_es": {
        "subject": "Respuesta automática: Fuera de la oficina",
        "is_auto_reply": True,
        "auto_reply_reason": "vacation subject",
    },
    "17_bounce_dsn": {
        "is_bounce": True,
        "bounced_recipients": ("nobody@no-such-domain.example",),
        "is_auto_reply": True,
        "auto_reply_reason": "Auto-Submitted: auto-replied",
        "from_address": "mailer-daemon@mx.relata.example.com",
        "attachments": [
            ("text.rfc822headers", "text/rfc822-headers", 140, None, False),
        ],
    },
    "18_mailing_list": {
        "is_list": True,
        "list_id": "Foro del sector ferretero <foro.listas.example.org>",
        "is_auto_reply": True,
        "auto_reply_reason": "Precedence: list",
    },
    "19_loop_header": {"is_loop": True, "loop_reason": "X-Relata-Loop header"},
    "20_own_message_id": {"is_loop": True, "loop_reason": "Message-ID domain relata.example.com"},
    "21_broken_mime": {
        "text": "Este mensaje se corto por el camino.",
        "attachments": [("datos.bin", "application/octet-stream", 34, None, False)],
        "defects": ("CloseBoundaryNotFoundDefect: ", "InvalidBase64LengthDefect: "),
    },
    "22_missing_boundary": {
        "text": "--xyz\nContent-Type: text/plain\n\nTexto sin separador declarado.\n--xyz--",
        "defects": ("NoBoundaryInMultipartDefect: ", "MultipartInvariantViolationDefect: "),
    },
    "23_no_message_id": {
        "message_id_synthesized": True,
        "date": datetime(2026, 11, 28, 10, 10, tzinfo=UTC),  # no zone: taken as UTC
    },
    "24_duplicate_id_a": {"message_id": "same-id-24@example.net", "subject": "Primera version"},
    "25_duplicate_id_b": {"message_id": "same-id-24@example.net", "subject": "Segunda version"},
    "26_spanish_accents": {
        "subject": "Cigüeña y piñata: ¿cuándo llega el camión?",
        "from_name": "Mónica Núñez",
        "text": "Señora Núñez: el camión con la cigüeña llegará el miércoles. ¡Gracias!",
    },
    "27_forwarded_rfc822": {
        "text": "Os reenvio la consulta.",
        "attachments": [("message.eml", "message/rfc822", 145, None, False)],
    },
    "28_raw_8bit_header": {
        "subject": "Pequeño pedido urgente",
        "from_name": "Tomás Ibáñez",
        "text": "Envío urgente, por favor.",
    },
    "29_bounce_plain": {"is_bounce": True, "from_address": "postmaster@old-mta.example.com"},
}

NOTHING_SPECIAL = {
    "is_auto_reply": False,
    "is_bounce": False,
    "bounced_recipients": (),
    "is_list": False,
    "is_loop": False,
    "case_numbers_in_subject": (),
    "attachments": [],
    "defects": (),
    "message_id_synthesized": False,
    "body_parsed": True,
}


def test_corpus_is_complete():
    names = sorted(p.stem for p in CORPUS.glob("*.eml"))
    assert len(names) >= 20
    assert names == sorted(EXPECTED)
    for path in CORPUS.glob("*.eml"):
        data = path.read_bytes()
        # CRLF everywhere, as on the wire: IMAP and POP3 return the same bytes.
        assert b"\n" not in data.replace(b"\r\n", b""), path.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name, corpus):
    raw = corpus[name]
    parsed = parse(raw, OPTIONS)
    expected = {**NOTHING_SPECIAL, **EXPECTED[name]}
    actual = {key: getattr(parsed, key) for key in expected if key != "attachments"}
    actual["attachments"] = [
        (a.filename, a.content_type, a.size, a.content_id, a.is_inline) for a in parsed.attachments
    ]
    assert actual == expected
    assert parsed.content_hash == hashlib.sha256(raw).hexdigest()
    assert parsed.size == len(raw)
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert parse(raw, OPTIONS) == parsed  # deterministic


def test_attachment_payloads(corpus):
    parsed = parse(corpus["04_attachments"])
    pdf, png, txt = parsed.attachments
    assert pdf.payload is not None and pdf.payload.startswith(b"%PDF-1.4")
    assert png.payload is not None and png.payload.startswith(b"\x89PNG")
    assert txt.payload == b"Referencia: 4471\nCantidad: 12 unidades\n"
    assert txt.sha256 == hashlib.sha256(txt.payload).hexdigest()
    # Over the attachment limit: metadata only.
    small = parse(corpus["04_attachments"], ParseOptions(max_attachment_bytes=100))
    assert [(a.filename, a.kept) for a in small.attachments] == [
        ("pliego.pdf", False),
        ("local.png", True),
        ("materiales.txt", True),
    ]
    assert small.attachments[0].size == 193 and small.attachments[0].sha256 == pdf.sha256


def test_html_is_kept_untrusted_and_text_drops_scripts(corpus):
    parsed = parse(corpus["03_html_only"])
    assert parsed.html is not None and "<script>" in parsed.html  # stored as received
    assert "alert" not in parsed.text and "color" not in parsed.text
    assert "Formulario" not in parsed.text  # <title> is not body text


def test_synthesized_message_id_is_deterministic(corpus):
    raw = corpus["23_no_message_id"]
    parsed = parse(raw)
    assert parsed.message_id == synthesized_message_id(hashlib.sha256(raw).hexdigest())
    assert parse(raw + b"more\r\n").message_id != parsed.message_id
    # Synthesized ids never count as ours (no loop by domain).
    assert not parse(
        raw, ParseOptions(own_message_id_domains=("synthesized.relata.invalid",))
    ).is_loop


def test_loop_by_own_address_and_options(corpus):
    raw = corpus["01_plain_text"]
    assert parse(raw, ParseOptions(own_addresses=("Laura.Gomez@ferreteria-gomez.es",))).is_loop
    assert not parse(raw, ParseOptions()).is_loop
    custom = corpus["19_loop_header"].replace(b"X-Relata-Loop", b"X-Our-Loop")
    assert not parse(custom).is_loop
    assert parse(custom, ParseOptions(loop_header="X-Our-Loop")).is_loop


def test_case_number_pattern_is_configurable(corpus):
    raw = corpus["12_case_number_subject"]
    only_opp = ParseOptions(case_number_pattern=case_number_pattern(["OPP"]))
    assert parse(raw, only_opp).case_numbers_in_subject == ("OPP-2026-00012",)
    nothing = ParseOptions(case_number_pattern=case_number_pattern([]))
    assert parse(raw, nothing).case_numbers_in_subject == ()
    lower = raw.replace(b"OPP-2026-00012", b"opp-2026-00012")
    assert parse(lower, only_opp).case_numbers_in_subject == ("OPP-2026-00012",)
    broken = ParseOptions(case_number_pattern="([unclosed")
    assert parse(raw, broken).case_numbers_in_subject == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<Abc.Def@Example.COM>", "Abc.Def@example.com"),
        ("  <x@y>  (comment)", "x@y"),
        ("no-brackets@Host.ORG", "no-brackets@host.org"),
        ("", None),
        ("<>", None),
        (None, None),
    ],
)
def test_normalize_message_id(value, expected):
    assert normalize_message_id(value) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"Subject: =?utf-8?q?unterminated\r\n\r\n",
        b"From: <<<@@@>>>\r\nTo: ,,,;;;\r\nDate: yesterday\r\n\r\nbody",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain;"
        b" charset=rot13\r\n\r\nhi\r\n--a\r\nContent-Type: message/rfc822\r\n\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
        b"Message-ID: <a@b>\r\nIn-Reply-To: garbage <<\r\nReferences: <x@y> junk <z@w\r\n\r\n",
        b"Subject: " + b"A" * 100_000 + b"\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 200,
    ],
)
def test_hostile_input_does_not_raise(raw):
    parsed = parse(raw)
    assert parsed.content_hash == hashlib.sha256(raw).hexdigest()
    assert parsed.message_id


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_parse(data):
    header = b"Content-Type: multipart/mixed; boundary=zz\r\nSubject: =?utf-8?b?w6k=?=\r\n\r\n"
    for raw in (data, header + data):
        assert parse(raw).size == len(raw)
