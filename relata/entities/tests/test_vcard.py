"""vCard: the format (folding, escaping, parameters, quoted-printable), contact export in
4.0 and 3.0, and import with a preview and all-or-nothing saving."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relata.entities import services, vcard
from relata.entities.io.vcards import contact_uid, rows_from_cards
from relata.entities.models import Contact
from relata.entities.tests.io_support import io_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

FOLDED_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Martínez de la Fuente;María José;;;\r\n"
    "FN:María José Martínez de la Fuente\r\n"
    "ORG:Aceros del Norte\\, S.L.;Compras\r\n"
    "TITLE:Directora de compras\\; logística\r\n"
    "EMAIL;TYPE=INTERNET:mj@aceros.example\r\n"
    "EMAIL;TYPE=INTERNET,pref:maria.jose.martinez.de.la.fuente@aceros-del-nort\r\n"
    " e.example\r\n"
    "TEL;TYPE=WORK,VOICE:+34 944 123 456\r\n"
    "TEL;TYPE=CELL:600 111 222\r\n"
    "BDAY:1980-01-31\r\n"
    "NOTE:Primera línea\\nsegunda línea con una nota larga que se pliega en\r\n"
    "\t varias líneas\\, como manda el RFC\r\n"
    "END:VCARD\r\n"
)


@pytest.fixture
def aceros(agent, customer):
    return services.entity_create(
        user=agent,
        data={"kind": customer, "legal_name": "Aceros del Norte, S.L.", "tax_id": "B12345674"},
    )


@pytest.fixture
def ana(agent, aceros):
    return services.contact_create(
        user=agent,
        entity=aceros,
        data={
            "first_name": "Ana",
            "last_name": "García; López",
            "job_title": "CFO, finance",
            "department": "Finanzas",
            "birthday": datetime.date(1980, 1, 31),
            "language": "es",
            "notes": "Line one\nline two",
        },
        emails=[{"email": "ana@aceros.example", "is_main": True}, {"email": "ana@home.example"}],
        phones=[{"number": "600 111 222", "label": "mobile", "is_main": True}],
    )


def vcf(text: str, name: str = "cards.vcf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/vcard")


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def card_lines(text: str) -> list[str]:
    return [line for line in text.split("\r\n") if not line.startswith(("REV:", "UID:"))]


# --- The format -------------------------------------------------------------------------


def test_folded_escaped_30_card_is_read():
    (card,) = vcard.parse(FOLDED_30)

    assert card.version == "3.0"
    assert card.first("N").components() == ["Martínez de la Fuente", "María José", "", "", ""]
    assert card.first("ORG").components() == ["Aceros del Norte, S.L.", "Compras"]
    assert card.first("TITLE").text() == "Directora de compras; logística"
    assert [e.text() for e in card.all("EMAIL")] == [
        "mj@aceros.example",
        "maria.jose.martinez.de.la.fuente@aceros-del-norte.example",
    ]
    assert [e.preferred for e in card.all("EMAIL")] == [False, True]
    assert card.all("TEL")[0].types == {"work", "voice"}
    assert card.first("NOTE").text() == (
        "Primera línea\nsegunda línea con una nota larga que se pliega en varias líneas, "
        "como manda el RFC"
    )


def test_vcard_21_quoted_printable_and_bare_parameters_are_read():
    text = (
        "BEGIN:VCARD\n"
        "VERSION:2.1\n"
        "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Pe=F1a;Jos=E9\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Caf=C3=A9 con le=\n"
        "che=0D=0Ay az=C3=BAcar\n"
        "TEL;WORK;VOICE:944123456\n"
        "END:VCARD\n"
    )

    (card,) = vcard.parse(text)

    assert card.first("N").components() == ["Peña", "José"]
    assert card.first("NOTE").text() == "Café con leche\r\ny azúcar"
    assert card.first("TEL").types == {"work", "voice"}


def test_several_cards_and_lines_outside_cards():
    text = "junk\nBEGIN:VCARD\nVERSION:4.0\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\nEND:VCARD\n"

    cards = vcard.parse(text)

    assert [c.first("FN").text() for c in cards] == ["A", "B"]


def test_a_file_without_cards_is_an_error():
    with pytest.raises(vcard.VCardError):
        vcard.parse("FN:Nobody\n")


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    card = vcard.Card()
    card.add("NOTE", vcard.escape("ñ" * 100 + ", ; \\ fin"))

    text = vcard.serialize(card)

    lines = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[2:-2])
    (again,) = vcard.parse(text)
    assert again.first("NOTE").text() == "ñ" * 100 + ", ; \\ fin"


# --- Export -----------------------------------------------------------------------------


def test_one_contact_exports_as_vcard_40(client, agent, ana):
    client.force_login(agent)

    response = client.get(io_url("vcard_export"), {"contact": ana.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ana-garcia-lopez.vcf"'
    text = body(response)
    assert card_lines(text) == [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "PRODID:-//Relata//Relata CRM//EN",
        "FN:Ana García\\; López",
        "N:García\\; López;Ana;;;",
        "ORG:Aceros del Norte\\, S.L.;Finanzas",
        "TITLE:CFO\\, finance",
        "EMAIL;PREF=1:ana@aceros.example",
        "EMAIL:ana@home.example",
        "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+34600111222",
        "BDAY:19800131",
        "NOTE:Line one\\nline two",
        "LANG:es",
        "END:VCARD",
        "",
    ]
    assert re.search(r"\r\nUID:urn:uuid:[0-9a-f-]{36}\r\n", text)
    assert re.search(r"\r\nREV:\d{8}T\d{6}Z\r\n", text)


def test_one_contact_exports_as_vcard_30(client, agent, ana):
    client.force_login(agent)

    text = body(client.get(io_url("vcard_export"), {"contact": ana.pk, "version": "3.0"}))

    assert card_lines(text) == [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Relata//Relata CRM//EN",
        "FN:Ana García\\; López",
        "N:García\\; López;Ana;;;",
        "ORG:Aceros del Norte\\, S.L.;Finanzas",
        "TITLE:CFO\\, finance",
        "EMAIL;TYPE=INTERNET,pref:ana@aceros.example",
        "EMAIL;TYPE=INTERNET:ana@home.example",
        "TEL;TYPE=cell,pref:+34600111222",
        "BDAY:1980-01-31",
        "NOTE:Line one\\nline two",
        "END:VCARD",
        "",
    ]


def test_uid_is_the_same_for_a_contact_each_time_and_differs_between_contacts(
    client, agent, aceros, ana
):
    bea = services.contact_create(user=agent, entity=aceros, data={"first_name": "Bea"})
    client.force_login(agent)

    def uid(pk: int) -> str:
        text = body(client.get(io_url("vcard_export"), {"contact": pk}))
        return re.search(r"\r\nUID:(.*)\r\n", text)[1]

    assert uid(ana.pk) == uid(ana.pk) == contact_uid("http://testserver", ana.pk)
    assert uid(bea.pk) != uid(ana.pk)


def test_many_contacts_export_only_what_the_user_may_see(
    client, agent, other_agent, customer, aceros, ana
):
    services.contact_create(user=agent, entity=aceros, data={"first_name": "Bea"})
    theirs = services.entity_create(user=other_agent, data={"kind": customer, "legal_name": "T"})
    olga = services.contact_create(user=other_agent, entity=theirs, data={"first_name": "Olga"})
    client.force_login(agent)

    every = vcard.parse(body(client.get(io_url("vcard_export"))))
    of_entity = vcard.parse(body(client.get(io_url("vcard_export"), {"entity": aceros.pk})))
    selected = vcard.parse(body(client.get(io_url("vcard_export"), {"id": [ana.pk, olga.pk]})))
    hidden = client.get(io_url("vcard_export"), {"contact": olga.pk})

    assert sorted(c.first("FN").text() for c in every) == ["Ana García; López", "Bea"]
    assert sorted(c.first("FN").text() for c in of_entity) == ["Ana García; López", "Bea"]
    assert [c.first("FN").text() for c in selected] == ["Ana García; López"]
    assert hidden.status_code == 404


# --- Import -----------------------------------------------------------------------------


def token_of(response) -> str:
    match = re.search(r"/vcard/([0-9a-f-]{36})/$", response["Location"])
    assert match, response.content.decode()[:2000]
    return match[1]


def test_round_trip_export_then_import_gives_the_same_contacts(
    client, agent, customer, aceros, ana, step
):
    services.contact_create(
        user=agent,
        entity=aceros,
        data={"first_name": "Bea", "last_name": "Ruiz"},
        emails=[{"email": "bea@aceros.example"}],
        phones=[{"number": "+33 1 42 68 53 00"}],
    )
    target = services.entity_create(
        user=agent, data={"kind": customer, "legal_name": "Copia S.L.", "tax_id": "A58818501"}
    )
    client.force_login(agent)
    exported = b"".join(client.get(io_url("vcard_export"), {"entity": aceros.pk}).streaming_content)

    for version in ("4.0", "3.0"):
        Contact.objects.filter(entity=target).delete()
        if version == "3.0":
            exported = b"".join(
                client.get(
                    io_url("vcard_export"), {"entity": aceros.pk, "version": "3.0"}
                ).streaming_content
            )
        uploaded = client.post(
            io_url("vcard_import"),
            {"file": SimpleUploadedFile("c.vcf", exported), "entity": "A58818501"},
        )
        done = step(io_url("vcard_preview", token_of(uploaded)), "post")

        assert done.status_code == 302
        assert done["Location"] == target.get_absolute_url()
        copies = Contact.objects.filter(entity=target).order_by("first_name")
        assert [
            (
                c.first_name,
                c.last_name,
                c.job_title,
                c.department,
                c.birthday,
                c.notes,
                list(c.emails.order_by("-is_main", "id").values_list("email", flat=True)),
                list(c.phones.order_by("-is_main", "id").values_list("number", flat=True)),
            )
            for c in copies
        ] == [
            (
                "Ana",
                "García; López",
                "CFO, finance",
                "Finanzas",
                datetime.date(1980, 1, 31),
                "Line one\nline two",
                ["ana@aceros.example", "ana@home.example"],
                ["+34600111222"],
            ),
            ("Bea", "Ruiz", "", "", None, "", ["bea@aceros.example"], ["+33142685300"]),
        ]
        assert [c.language for c in copies] == (["es", ""] if version == "4.0" else ["", ""])


def test_vcard_30_with_folded_lines_imports_into_the_entity_named_by_org(
    client, agent, customer, step
):
    entity = services.entity_create(
        user=agent, data={"kind": customer, "legal_name": "Aceros del Norte, S.L."}
    )
    client.force_login(agent)
    uploaded = client.post(io_url("vcard_import"), {"file": vcf(FOLDED_30)})
    token = token_of(uploaded)

    preview = step(io_url("vcard_preview", token))
    assert preview.status_code == 200
    assert preview.context["report"].ok
    assert [r.title for r in preview.context["report"].created] == [
        "María José Martínez de la Fuente"
    ]
    assert Contact.objects.count() == 0
    done = step(io_url("vcard_preview", token), "post")

    assert done.status_code == 302
    assert done["Location"] == reverse("entities:contact_list")
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "1 contact was imported from “cards.vcf”."
    ]
    contact = Contact.objects.get()
    assert (
        contact.entity,
        contact.first_name,
        contact.last_name,
        contact.department,
        contact.job_title,
        contact.birthday,
    ) == (
        entity,
        "María José",
        "Martínez de la Fuente",
        "Compras",
        "Directora de compras; logística",
        datetime.date(1980, 1, 31),
    )
    assert list(contact.emails.order_by("-is_main", "id").values_list("email", flat=True)) == [
        "maria.jose.martinez.de.la.fuente@aceros-del-norte.example",
        "mj@aceros.example",
    ]
    assert list(contact.phones.order_by("id").values_list("number", flat=True)) == [
        "+34944123456",
        "+34600111222",
    ]


def test_vcard_import_with_one_bad_card_saves_nothing(client, agent, aceros, step):
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Good One\r\nN:One;Good;;;\r\n"
        "EMAIL:good@aceros.example\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bad Mail\r\nN:Mail;Bad;;;\r\n"
        "EMAIL:not-an-address\r\nTEL;VALUE=uri:tel:12\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:;;;;\r\nEND:VCARD\r\n"
    )
    client.force_login(agent)
    token = token_of(
        client.post(io_url("vcard_import"), {"file": vcf(text), "entity": "B12345674"})
    )

    response = step(io_url("vcard_preview", token), "post")

    assert response.status_code == 200
    assert [(e.row, e.column, e.message) for e in response.context["report"].errors] == [
        (2, "EMAIL", "An email address needs an @ before the domain, as in name@example.com."),
        (2, "TEL", "“12” is not a valid phone number."),
        (3, "N", "Enter the first name."),
    ]
    assert Contact.objects.count() == 0


def test_cards_whose_organisation_is_unknown_are_errors(agent, aceros):
    cards = vcard.parse(
        "BEGIN:VCARD\nVERSION:3.0\nN:Uno;Ana\nORG:Nowhere Ltd\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nN:Dos;Bea\nEND:VCARD\n"
    )
    from relata.entities.io.importing import run_import

    report = run_import(user=agent, target="contact", rows=rows_from_cards(cards), commit=True)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (1, "ORG", "There is no entity “Nowhere Ltd” that you can see."),
        (2, "ORG", "Enter the entity's tax id or legal name."),
    ]


def test_vcard_upload_checks_the_file_and_the_entity(client, agent, other_agent, customer):
    theirs = services.entity_create(
        user=other_agent, data={"kind": customer, "legal_name": "Theirs", "tax_id": "A58818501"}
    )
    client.force_login(agent)

    not_vcard = client.post(io_url("vcard_import"), {"file": vcf("hello", "notes.vcf")})
    wrong_type = client.post(io_url("vcard_import"), {"file": vcf("x", "notes.txt")})
    hidden = client.post(io_url("vcard_import"), {"file": vcf(FOLDED_30), "entity": theirs.tax_id})

    assert not_vcard.context["form"].errors["file"] == [
        "This file holds no vCard (BEGIN:VCARD … END:VCARD)."
    ]
    assert wrong_type.context["form"].errors["file"] == [
        "“notes.txt” is not a file this import takes: use .vcf."
    ]
    assert hidden.context["form"].errors["entity"] == [
        "There is no entity “A58818501” that you can see."
    ]


def test_read_only_users_cannot_import_vcards(client, reader):
    client.force_login(reader)

    assert client.get(io_url("vcard_import")).status_code == 403
    assert client.post(io_url("vcard_import"), {"file": vcf(FOLDED_30)}).status_code == 403
