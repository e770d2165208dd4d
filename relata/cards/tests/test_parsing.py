"""The parser on recognised lines (no OCR): field libraries, layout cues, QR payloads."""

from __future__ import annotations

import pytest

from relata.cards.ocr import Line
from relata.cards.parsing import (
    find_emails,
    find_phones,
    find_tax_id,
    find_website,
    parse_lines,
    parse_qr,
    split_name,
)

pytestmark = pytest.mark.django_db  # the validators read translated messages only


def lines(*rows: tuple[str, int]) -> list[Line]:
    """Lines stacked top to bottom, each with the given text height."""
    result, top = [], 40
    for text, height in rows:
        result.append(Line(text=text, left=60, top=top, width=20 * len(text), height=height))
        top += height + 20
    return result


@pytest.mark.parametrize(
    ("name", "given", "family"),
    [
        ("Lucía Ibáñez Ortega", "Lucía", "Ibáñez Ortega"),
        ("José Luis Martínez Peña", "José Luis", "Martínez Peña"),
        ("Ana Belén Núñez", "Ana Belén", "Núñez"),
        ("Carmen Muñoz de la Torre", "Carmen", "Muñoz de la Torre"),
        ("John Smith", "John", "Smith"),
        ("Madonna", "Madonna", ""),
    ],
)
def test_split_name_keeps_double_surnames_and_compound_given_names(name, given, family):
    assert split_name(name) == (given, family)


def test_phones_are_normalised_typed_and_given_a_country():
    assert [p.as_dict() for p in find_phones("Móvil: 612 34 56 78", "ES")] == [
        {"number": "+34612345678", "type": "mobile", "country": "ES"}
    ]
    assert [p.as_dict() for p in find_phones("Tel. 944 12 34 56", "ES")] == [
        {"number": "+34944123456", "type": "landline", "country": "ES"}
    ]
    assert [p.as_dict() for p in find_phones("Tél. +33 1 42 68 53 00", "ES")] == [
        {"number": "+33142685300", "type": "landline", "country": "FR"}
    ]
    # OCR's letter O inside a number is mended; a postal code is no phone.
    assert [p.number for p in find_phones("Tel. 944 12 34 5O", "ES")] == ["+34944123450"]
    assert find_phones("48001 Bilbao", "ES") == []


def test_emails_are_mended_and_validated():
    assert find_emails("E-mail: lucia.ibanez @ aceros.es") == ["lucia.ibanez@aceros.es"]
    assert find_emails("ventas(at)aceros.es, info@aceros.es") == [
        "ventas@aceros.es",
        "info@aceros.es",
    ]
    assert find_emails("name@localhost and @twitter") == []


def test_websites_and_tax_ids():
    assert find_website("wvww.aceros.es") == "https://www.aceros.es"
    assert find_website("Web: aceros.es") == "https://aceros.es"
    assert find_website("info@aceros.es") == ""
    assert find_tax_id("CIF: B-12345674") == "B12345674"
    assert find_tax_id("CIF: B12345670") == ""  # wrong check digit
    assert find_tax_id("NIF 12345678Z") == "12345678Z"


def test_parse_lines_reads_the_layout():
    fields = parse_lines(
        lines(
            ("Aceros del Norte S.L.", 34),
            ("Lucía Ibáñez Ortega", 40),
            ("Directora Comercial", 26),
            ("Móvil: 612 345 678", 22),
            ("lucia.ibanez@acerosdelnorte.es", 22),
            ("www.acerosdelnorte.es", 22),
            ("Calle Mayor 12", 22),
            ("48001 Bilbao", 22),
            ("CIF: B12345674", 22),
        )
    )

    assert fields.as_dict() == {
        "given_name": "Lucía",
        "family_name": "Ibáñez Ortega",
        "job_title": "Directora Comercial",
        "company": "Aceros del Norte S.L.",
        "emails": ["lucia.ibanez@acerosdelnorte.es"],
        "phones": [{"number": "+34612345678", "type": "mobile", "country": "ES"}],
        "website": "https://www.acerosdelnorte.es",
        "address": "Calle Mayor 12, 48001 Bilbao",
        "tax_id": "B12345674",
    }
    assert fields.address_parts == {
        "street": "Calle Mayor 12",
        "postal_code": "48001",
        "city": "Bilbao",
    }


def test_company_without_legal_form_is_found_by_the_email_domain():
    # Both lines look like names; the domain and the given name tell them apart.
    fields = parse_lines(
        lines(
            ("Clínica Benítez", 34),
            ("Rocío Benítez", 40),
            ("Fisioterapeuta", 26),
            ("cita@clinicabenitez.es", 22),
        )
    )

    assert (fields.given_name, fields.family_name) == ("Rocío", "Benítez")
    assert fields.company == "Clínica Benítez"
    assert fields.job_title == "Fisioterapeuta"


def test_an_at_sign_read_as_o_is_mended_with_the_cards_own_domain():
    fields = parse_lines(
        lines(
            ("Pedro Sánchez Ruiz", 40),
            ("pedro(Ofrutassanchez.es", 22),
            ("javier. ortizOfrutassanchez.es", 22),
            ("www. frutassanchez.es", 22),
            ("Toledo", 22),
        )
    )

    assert fields.emails == ["pedro@frutassanchez.es", "javier.ortiz@frutassanchez.es"]
    assert fields.website == "https://www.frutassanchez.es"


def test_noise_lines_are_not_taken_for_a_name():
    fields = parse_lines(lines(("|||| ;;: ~~", 40), ("Pedro Sánchez Ruiz", 30)))

    assert (fields.given_name, fields.family_name) == ("Pedro", "Sánchez Ruiz")
    assert fields.company == ""


def test_vcard_qr_payload():
    payload = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Etxeberria Goñi;Iñaki;;;\r\nFN:Iñaki Etxeberria Goñi\r\n"
        "ORG:Talleres Goñi S.L.\r\nTITLE:Ingeniero de Proyectos\r\nTEL;TYPE=CELL:+34688223344\r\n"
        "EMAIL:inaki@talleresgoni.eus\r\nURL:https://www.talleresgoni.eus\r\n"
        "ADR;TYPE=WORK:;;Polígono Ibaeta 7;Donostia;;20018;ES\r\nEND:VCARD"
    )

    fields = parse_qr(payload)

    assert fields is not None
    assert fields.source == "qr"
    assert fields.as_dict() == {
        "given_name": "Iñaki",
        "family_name": "Etxeberria Goñi",
        "job_title": "Ingeniero de Proyectos",
        "company": "Talleres Goñi S.L.",
        "emails": ["inaki@talleresgoni.eus"],
        "phones": [{"number": "+34688223344", "type": "mobile", "country": "ES"}],
        "website": "https://www.talleresgoni.eus",
        "address": "Polígono Ibaeta 7, 20018 Donostia",
        "tax_id": "",
    }


def test_mecard_qr_payload_and_other_payloads():
    fields = parse_qr(
        r"MECARD:N:Castaño Villar,Elena;ORG:Estudio Castaño\; Arquitectura;TEL:985203040;"
        "EMAIL:elena@estudiocastano.es;URL:www.estudiocastano.es;;"
    )

    assert fields is not None
    assert (fields.given_name, fields.family_name) == ("Elena", "Castaño Villar")
    assert fields.company == "Estudio Castaño; Arquitectura"
    assert [p.number for p in fields.phones] == ["+34985203040"]
    assert fields.emails == ["elena@estudiocastano.es"]
    assert fields.website == "https://www.estudiocastano.es"
    assert parse_qr("https://example.com/promo") is None
