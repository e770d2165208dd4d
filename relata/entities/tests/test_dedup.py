"""Duplicate detection: each signal, scoring, hidden candidates and the report's pairs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relata.core.selectors import parameters_get
from relata.entities import services
from relata.entities.dedup import (
    duplicate_pairs,
    email_domain,
    find_duplicates,
    hidden_message,
    name_similarity,
    normalize_name,
    web_domain,
)
from relata.entities.models import Entity, EntityKind, KindMeaning

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="dedup-customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )


def make(user, kind, name, *, emails=(), phones=(), **data):
    return services.entity_create(
        user=user,
        data={"kind": kind, "legal_name": name, **data},
        emails=[{"email": e} for e in emails],
        phones=[{"number": p} for p in phones],
    )


def reasons(candidates):
    return {c.entity.pk if c.entity else None: c.reasons for c in candidates}


# --- Normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Aceros García, S.L.U.", "aceros garcia"),
        ("ACEROS GARCIA SLU", "aceros garcia"),
        ("Bodegas Ibéricas S. Coop.", "bodegas ibericas"),
        ("Talleres Pérez, Sociedad Limitada", "talleres perez"),
        ("Frutas López S.A.", "frutas lopez"),
        ("Óptica  Visión-Plus SL", "optica vision plus"),
        ("S.L.", "sl"),
        ("", ""),
    ],
)
def test_normalize_name_strips_accents_punctuation_and_legal_forms(raw, normal):
    assert normalize_name(raw) == normal


def test_name_similarity_is_one_for_equal_names_and_lower_for_typos():
    assert name_similarity("aceros garcia", "aceros garcia") == 1.0
    assert 0.85 <= name_similarity("aceros garcia", "aceros garcias") < 1.0
    assert name_similarity("aceros garcia", "bodegas ibericas") < 0.5


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Acme.es/contacto", "acme.es"),
        ("acme.es", "acme.es"),
        ("http://shop.acme.es", "shop.acme.es"),
        ("", ""),
    ],
)
def test_web_domain(url, domain):
    assert web_domain(url) == domain


def test_email_domain():
    assert email_domain("Ana@Acme.ES") == "acme.es"
    assert email_domain("no-at-sign") == ""


# --- Signals -------------------------------------------------------------------------


def test_same_tax_id_is_found_however_it_is_typed(admin_user, customer):
    existing = make(admin_user, customer, "Aceros del Norte", tax_id="B12345674")

    found = find_duplicates(
        user=admin_user, data={"tax_id": "es-b 1234 5674"}, emails=[], phones=[]
    )

    assert reasons(found) == {existing.pk: ("tax_id",)}
    assert found[0].score == 1.0
    assert found[0].reason_labels == ["same tax id"]


def test_same_email_ignores_case(admin_user, customer):
    existing = make(admin_user, customer, "Frutas Sur", emails=["ventas@frutas-sur.es"])

    found = find_duplicates(
        user=admin_user,
        data={"legal_name": "Otra cosa"},
        emails=["Ventas@Frutas-Sur.ES"],
        phones=[],
    )

    # The email's company domain is not any entity's website here: only the email counts.
    assert reasons(found) == {existing.pk: ("email",)}
    assert found[0].score == 0.95


def test_a_contacts_email_points_at_its_entity(admin_user, customer):
    existing = make(admin_user, customer, "Frutas Sur")
    services.contact_create(
        user=admin_user,
        entity=existing,
        data={"first_name": "Ana"},
        emails=[{"email": "ana@correo.es"}],
    )

    found = find_duplicates(user=admin_user, data={}, emails=["ana@correo.es"], phones=[])

    assert reasons(found) == {existing.pk: ("email",)}


def test_same_phone_after_normalisation(admin_user, customer):
    existing = make(admin_user, customer, "Transportes Ruiz", phones=["+34 912 345 678"])

    found = find_duplicates(user=admin_user, data={}, emails=[], phones=["912345678", "garbage"])

    assert reasons(found) == {existing.pk: ("phone",)}
    assert found[0].score == 0.9


def test_same_web_domain_from_website_or_company_email(admin_user, customer):
    existing = make(admin_user, customer, "Acme Iberia", website="https://www.acme.es/")

    by_website = find_duplicates(user=admin_user, data={"website": "acme.es"}, emails=[], phones=[])
    by_email = find_duplicates(user=admin_user, data={}, emails=["info@acme.es"], phones=[])

    assert reasons(by_website) == {existing.pk: ("domain",)}
    assert reasons(by_email) == {existing.pk: ("domain",)}
    assert by_email[0].score == 0.75


def test_free_mail_domains_are_not_company_domains(admin_user, customer):
    make(admin_user, customer, "Gmail fan club", website="https://gmail.com")

    found = find_duplicates(user=admin_user, data={}, emails=["someone@gmail.com"], phones=[])

    assert found == []


def test_similar_name_despite_legal_form_accents_and_a_typo(admin_user, customer):
    existing = make(admin_user, customer, "Construcciones Martínez S.L.")
    make(admin_user, customer, "Construcciones Navarro S.L.")

    exact = find_duplicates(
        user=admin_user, data={"legal_name": "CONSTRUCCIONES MARTINEZ, SA"}, emails=[], phones=[]
    )
    typo = find_duplicates(
        user=admin_user, data={"legal_name": "Construcciones Martines"}, emails=[], phones=[]
    )

    assert reasons(exact) == {existing.pk: ("name",)}
    assert exact[0].name_similarity == 1.0
    assert exact[0].score == 0.8
    assert reasons(typo) == {existing.pk: ("name",)}
    assert 0.85 <= typo[0].name_similarity < 1.0
    assert typo[0].reason_labels[0].startswith("similar name (")


def test_the_new_trade_name_is_compared_too(admin_user, customer):
    existing = make(admin_user, customer, "Frutas Paqui S.L.")

    found = find_duplicates(
        user=admin_user,
        data={"legal_name": "Grupo Alimentario XYZ", "trade_name": "Frutas Paqui"},
        emails=[],
        phones=[],
    )

    assert reasons(found) == {existing.pk: ("name",)}


def test_signals_combine_and_strongest_come_first(admin_user, customer):
    strong = make(
        admin_user, customer, "Aceros Norte", tax_id="B12345674", emails=["info@aceros.es"]
    )
    weak = make(admin_user, customer, "Aceros Nortes")

    found = find_duplicates(
        user=admin_user,
        data={"legal_name": "Aceros Norte", "tax_id": "B12345674"},
        emails=["info@aceros.es"],
        phones=[],
    )

    assert [c.entity.pk for c in found] == [strong.pk, weak.pk]
    assert found[0].reasons == ("tax_id", "email", "name")
    assert found[0].score == 1.0
    assert found[1].reasons == ("name",)


def test_exclude_pk_leaves_out_the_entity_being_edited(admin_user, customer):
    existing = make(admin_user, customer, "Aceros Norte", tax_id="B12345674")

    found = find_duplicates(
        user=admin_user,
        data={"legal_name": "Aceros Norte", "tax_id": "B12345674"},
        emails=[],
        phones=[],
        exclude_pk=existing.pk,
    )

    assert found == []


def test_limit_caps_the_candidates(admin_user, customer):
    for n in range(4):
        make(admin_user, customer, f"Aceros Norte {'I' * (n + 1)}")

    found = find_duplicates(
        user=admin_user, data={"legal_name": "Aceros Norte II"}, emails=[], phones=[], limit=2
    )

    assert len(found) == 2


def test_nothing_given_finds_nothing_without_queries(admin_user, customer):
    make(admin_user, customer, "Aceros Norte")

    with CaptureQueriesContext(connection) as queries:
        found = find_duplicates(user=admin_user, data={}, emails=[], phones=[])

    assert found == []
    assert len(queries) == 0


def test_a_check_runs_a_fixed_number_of_queries(admin_user, customer):
    for n in range(10):
        make(admin_user, customer, f"Aceros Norte {n}", emails=[f"a{n}@aceros.es"])
    parameters_get()  # the phone region, read once per process

    with CaptureQueriesContext(connection) as queries:
        find_duplicates(
            user=admin_user,
            data={"legal_name": "Aceros Norte", "tax_id": "B12345674", "website": "aceros.es"},
            emails=["a1@aceros.es"],
            phones=["912345678"],
        )

    # tax id, email, phone, website, one name probe, and the visible candidates
    assert len(queries) == 6


# --- Visibility -------------------------------------------------------------------------


def test_invisible_duplicate_is_reported_without_its_data(agent, other_agent, customer):
    theirs = make(
        other_agent, customer, "Secretos S.L.", tax_id="B12345674", emails=["x@secretos.es"]
    )
    mine = make(agent, customer, "Secretos S.A.")

    found = find_duplicates(
        user=agent,
        data={"legal_name": "Secretos", "tax_id": "B12345674"},
        emails=["x@secretos.es"],
        phones=[],
    )

    hidden = [c for c in found if not c.visible]
    assert [c.entity for c in hidden] == [None]
    assert hidden[0].reasons == ("tax_id", "email", "name")
    assert [c.entity.pk for c in found if c.visible] == [mine.pk]
    message = hidden_message(found)
    assert message == (
        "1 record that you cannot see, owned by another team, matches this one "
        "(same tax id, same email, similar name)."
    )
    assert theirs.legal_name not in message
    assert theirs.tax_id not in message


def test_hidden_message_is_empty_when_everything_is_visible(admin_user, customer):
    make(admin_user, customer, "Aceros Norte", tax_id="B12345674")

    found = find_duplicates(user=admin_user, data={"tax_id": "B12345674"}, emails=[], phones=[])

    assert found[0].visible
    assert hidden_message(found) == ""


# --- The report -----------------------------------------------------------------------


def test_duplicate_pairs_lists_visible_pairs_with_reasons(admin_user, customer):
    a = make(admin_user, customer, "Aceros Norte S.L.", emails=["info@aceros.es"])
    b = make(admin_user, customer, "ACEROS NORTE", phones=["912345678"])
    c = make(admin_user, customer, "Bodegas Sur", emails=["INFO@aceros.es"], phones=["912345678"])
    make(admin_user, customer, "Nothing Alike")

    pairs = duplicate_pairs(user=admin_user)

    found = {(p.first.pk, p.second.pk): p.reasons for p in pairs}
    assert found == {
        (a.pk, b.pk): ("name",),
        (a.pk, c.pk): ("email",),
        (b.pk, c.pk): ("phone",),
    }
    assert [(p.first.pk, p.second.pk) for p in pairs] == [(a.pk, c.pk), (b.pk, c.pk), (a.pk, b.pk)]


def test_duplicate_pairs_leave_out_entities_the_user_cannot_see(agent, other_agent, customer):
    make(other_agent, customer, "Aceros Norte", emails=["info@aceros.es"])
    mine = make(agent, customer, "Aceros Norte SL", emails=["info@aceros.es"])
    also_mine = make(agent, customer, "Aceros Norte SA")

    pairs = duplicate_pairs(user=agent)

    assert [(p.first.pk, p.second.pk, p.reasons) for p in pairs] == [
        (mine.pk, also_mine.pk, ("name",))
    ]


def test_duplicate_pairs_is_empty_without_entities(admin_user):
    assert duplicate_pairs(user=admin_user) == []
    assert Entity.objects.count() == 0
