"""Import of entities and contacts from CSV and XLSX: upload checks, column mapping, the dry
run's row/column/message report, all-or-nothing saving and the values stored."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.io import uploads
from relata.entities.io.importing import ImportOptions, rows_from_table, run_import
from relata.entities.models import (
    Contact,
    EmailAddress,
    Entity,
    PhoneNumber,
    Source,
)
from relata.entities.tests.io_support import (
    BAD_EMAIL_MESSAGE,
    SPANISH_CSV,
    csv_file,
    errors_of,
    io_url,
    stored_files,
    token_of,
    upload,
    xlsx_file,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# --- The whole journey through the pages ----------------------------------------------


def test_spanish_csv_goes_through_mapping_dry_run_and_import(client, agent, media, customer, step):
    Source.objects.create(code="fair", label_en="Trade fair", label_es="Feria")
    client.force_login(agent)

    token = token_of(upload(client, csv_file(SPANISH_CSV)))
    mapping_page = client.get(io_url("import_mapping", token))
    assert mapping_page.status_code == 200
    assert [f.value() for f in mapping_page.context["form"].column_fields()] == [
        "legal_name",
        "tax_id",
        "email",
        "phone",
        "kind",
        "source",
        "tags",
    ]
    posted = client.post(
        io_url("import_mapping", token),
        {
            f"column_{i}": key
            for i, key in enumerate(
                ["legal_name", "tax_id", "email", "phone", "kind", "source", "tags"]
            )
        },
    )
    assert posted.status_code == 302
    preview = step(io_url("import_preview", token))
    assert preview.status_code == 200
    assert preview.context["report"].ok
    assert preview.context["report"].created_count == 2
    assert Entity.objects.count() == 0

    done = step(io_url("import_preview", token), "post")

    assert done.status_code == 302
    assert done["Location"] == reverse("entities:list")
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "2 entities were imported from “data.csv”."
    ]
    assert list(
        Entity.objects.order_by("legal_name").values_list(
            "legal_name", "tax_id", "kind__code", "source__code", "owner__username"
        )
    ) == [
        ("Aceros del Norte S.L.", "B12345674", "customer", "fair", "alex"),
        ("Bodegas Sur S.A.", "A58818501", "customer", "fair", "alex"),
    ]
    assert sorted(PhoneNumber.objects.values_list("number", flat=True)) == [
        "+34944123456",
        "+34954000111",
    ]
    assert sorted(
        (e.legal_name, sorted(t.name for t in e.tags.all())) for e in Entity.objects.all()
    ) == [("Aceros del Norte S.L.", ["VIP"]), ("Bodegas Sur S.A.", ["VIP", "Vino"])]
    assert stored_files(media) == []
    assert uploads.session_get(client.session, token) is None


def test_dry_run_reports_row_column_and_message_and_writes_nothing(
    client, agent, media, customer, step
):
    client.force_login(agent)
    text = (
        "Razón social,NIF/CIF,Email,Tipo\r\n"
        "Buena S.L.,B12345674,ok@buena.example,customer\r\n"
        "Mala S.L.,B12345675,mala.example,customer\r\n"
    )
    token = token_of(upload(client, csv_file(text)))

    preview = step(io_url("import_preview", token))

    assert errors_of(preview) == [
        (3, "NIF/CIF", "“B12345675” is not a valid NIF, NIE, CIF or EU VAT number."),
        (3, "Email", BAD_EMAIL_MESSAGE),
    ]
    report = preview.context["report"]
    assert (report.rows, report.failed_rows, report.created_count) == (2, 1, 1)
    assert Entity.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert b"NIF/CIF" in preview.content
    assert b'id="import-submit"' not in preview.content
    run = client.session["entities_io"][token]["job"]["run"]
    assert stored_files(media) == sorted([f"{token}.csv", f"{token}.{run}.json"])


def test_import_with_one_bad_row_in_the_middle_saves_nothing(client, agent, customer, step):
    client.force_login(agent)
    text = (
        "Legal name,Tax ID,Phone,Kind\n"
        "Uno S.L.,B12345674,944123456,customer\n"
        "Dos S.L.,A58818501,not a phone,customer\n"
        "Tres S.L.,B65410011,954000111,customer\n"
    )
    token = token_of(upload(client, csv_file(text)))

    response = step(io_url("import_preview", token), "post")

    assert response.status_code == 200
    assert response.context["attempted"] is True
    assert errors_of(response) == [(3, "Phone", "“not a phone” is not a valid phone number.")]
    assert b"Nothing was imported." in response.content
    assert Entity.objects.count() == 0
    assert PhoneNumber.objects.count() == 0


def test_a_tax_id_repeated_in_the_file_is_an_error_of_its_second_row(agent, customer):
    table = uploads.Table(
        headers=["Name", "NIF"],
        rows=[(2, ["Uno", "B12345674"]), (3, ["Dos", "b-12345674"])],
    )

    report = run_import(
        user=agent,
        target="entity",
        rows=rows_from_table(table, ["legal_name", "tax_id"]),
        options=ImportOptions(default_kind=customer),
        commit=True,
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "NIF", "Uno already has the tax id B12345674.")
    ]
    assert report.committed is False
    assert Entity.objects.count() == 0


def test_xlsx_import_stores_normalised_values_and_every_field(
    client, agent, media, customer, prospect, step
):
    field_definition_create(
        user=_admin(), target="entity", key="budget", label_en="Budget", field_type="money"
    )
    client.force_login(agent)
    file = xlsx_file(
        [
            [
                "Legal name",
                "Tipo",
                "NIF",
                "Teléfono",
                "Móvil",
                "Email",
                "Web",
                "Dirección",
                "CP",
                "Ciudad",
                "País",
                "Empresa o persona",
                "Activo",
                "Budget",
                "Notas",
            ],
            [
                "Aceros S.L.",
                "Cliente potencial",
                "es b1234567-4",
                944123456,
                "600 111 222",
                "Info@Aceros.EXAMPLE",
                "aceros.example",
                "Calle Mayor 1",
                "48001",
                "Bilbao",
                "España",
                "empresa",
                "no",
                "1.234,50 €",
                "Llamar\nen marzo",
            ],
            [
                "Juan Pérez",
                "customer",
                "12345678Z",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "persona",
                "sí",
                "12.5 USD",
                None,
            ],
        ]
    )
    token = token_of(upload(client, file))

    done = step(io_url("import_preview", token), "post")

    assert done.status_code == 302, errors_of(done)
    aceros = Entity.objects.get(legal_name="Aceros S.L.")
    juan = Entity.objects.get(legal_name="Juan Pérez")
    assert (aceros.kind, aceros.tax_id, aceros.website, aceros.is_company, aceros.is_active) == (
        prospect,
        "B12345674",
        "https://aceros.example",
        True,
        False,
    )
    assert aceros.custom == {"budget": {"amount": "1234.50", "currency": "EUR"}}
    assert aceros.notes == "Llamar\nen marzo"
    assert list(aceros.phones.order_by("-is_main", "id").values_list("number", "is_main")) == [
        ("+34944123456", True),
        ("+34600111222", False),
    ]
    assert list(aceros.emails.values_list("email", flat=True)) == ["Info@aceros.example"]
    assert list(aceros.addresses.values_list("street", "postal_code", "city", "country")) == [
        ("Calle Mayor 1", "48001", "Bilbao", "ES")
    ]
    assert (juan.kind, juan.tax_id, juan.is_company, juan.is_active, juan.custom) == (
        customer,
        "12345678Z",
        False,
        True,
        {"budget": {"amount": "12.50", "currency": "USD"}},
    )


def _admin():
    from relata.core.models import Role
    from relata.core.services import user_create

    return user_create(by=None, username="root", password="x" * 20, role=Role.ADMINISTRATOR)


def test_unknown_lists_owner_and_custom_values_are_reported_by_column(agent, customer):
    field_definition_create(
        user=_admin(),
        target="entity",
        key="employees",
        label_en="Employees",
        field_type="integer",
        required=True,
    )
    table = uploads.Table(
        headers=["Name", "Type", "Agent", "Staff", "Active"],
        rows=[(2, ["Uno", "alien", "nobody", "many", "perhaps"])],
    )

    report = run_import(
        user=agent,
        target="entity",
        rows=rows_from_table(
            table, ["legal_name", "kind", "owner", "custom.employees", "is_active"]
        ),
        commit=False,
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Active", "“perhaps” is not yes or no."),
        (2, "Type", "“alien” is not in the list of entity kinds. Use one of: customer."),
        (2, "Agent", "There is no active user “nobody”."),
        (2, "Staff", "Enter a whole number."),
    ]


def test_a_required_custom_field_left_unmapped_is_named_in_the_message(agent, customer):
    field_definition_create(
        user=_admin(),
        target="entity",
        key="employees",
        label_en="Employees",
        field_type="integer",
        required=True,
    )
    table = uploads.Table(headers=["Name"], rows=[(2, ["Uno"])])

    report = run_import(
        user=agent,
        target="entity",
        rows=rows_from_table(table, ["legal_name"]),
        options=ImportOptions(default_kind=customer),
        commit=False,
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "", "Employees: This field is required.")
    ]


def test_an_agent_cannot_give_imported_entities_to_someone_else(agent, other_agent, customer):
    table = uploads.Table(headers=["Name", "Owner"], rows=[(2, ["Uno", "olga"])])

    report = run_import(
        user=agent,
        target="entity",
        rows=rows_from_table(table, ["legal_name", "owner"]),
        options=ImportOptions(default_kind=customer),
        commit=True,
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Owner", "You cannot give this entity to that user.")
    ]
    assert Entity.objects.count() == 0


def test_an_exported_file_imports_back_with_its_own_mapping(client, admin_user, customer, step):
    services.entity_create(
        user=admin_user,
        data={"kind": customer, "legal_name": "=Round Trip S.L.", "tax_id": "B12345674"},
        phones=[{"number": "944123456"}],
        tags=["VIP"],
    )
    client.force_login(admin_user)
    exported = b"".join(client.get(io_url("export"), {"format": "csv"}).streaming_content)
    Entity.objects.all().delete()

    token = token_of(upload(client, SimpleUploadedFile("entities.csv", exported)))
    done = step(io_url("import_preview", token), "post")

    assert done.status_code == 302, errors_of(done)
    entity = Entity.objects.get()
    assert (entity.legal_name, entity.tax_id, entity.kind) == (
        "=Round Trip S.L.",
        "B12345674",
        customer,
    )
    assert list(entity.phones.values_list("number", flat=True)) == ["+34944123456"]
    assert list(entity.tags.values_list("name", flat=True)) == ["VIP"]


def test_mapping_page_refuses_a_mapping_without_legal_name_or_twice_the_same_field(
    client, agent, customer
):
    client.force_login(agent)
    token = token_of(upload(client, csv_file("A,B\nx,y\n")))

    missing = client.post(io_url("import_mapping", token), {"column_0": "", "column_1": ""})
    twice = client.post(
        io_url("import_mapping", token),
        {"column_0": "legal_name", "column_1": "legal_name", "default_kind": customer.pk},
    )

    assert missing.context["form"].non_field_errors() == [
        "Choose the column that holds the legal name.",
        "Choose the column that holds the kind, or a kind for every row.",
    ]
    assert twice.context["form"].non_field_errors() == [
        "“Legal name” is chosen for several columns (A, B): keep one."
    ]


def test_default_kind_from_the_mapping_page_is_used(client, agent, customer, prospect, step):
    client.force_login(agent)
    token = token_of(upload(client, csv_file("Company name\nUno S.L.\n")))
    client.post(
        io_url("import_mapping", token), {"column_0": "legal_name", "default_kind": prospect.pk}
    )

    step(io_url("import_preview", token), "post")

    assert list(Entity.objects.values_list("legal_name", "kind__code")) == [
        ("Uno S.L.", "prospect")
    ]


# --- Contacts ---------------------------------------------------------------------------


def test_contacts_attach_to_entities_found_by_tax_id_or_legal_name(client, agent, customer, step):
    aceros = services.entity_create(
        user=agent, data={"kind": customer, "legal_name": "Aceros S.L.", "tax_id": "B12345674"}
    )
    bodegas = services.entity_create(
        user=agent, data={"kind": customer, "legal_name": "Bodegas Sur S.A."}
    )
    client.force_login(agent)
    text = (
        "Nombre,Apellidos,NIF empresa,Empresa,Correo,Móvil,Fecha de nacimiento,Idioma\n"
        "Ana,García,B-12345674,,ana@aceros.example,600111222,31/01/1980,Español\n"
        "Luis,Martín,,bodegas sur s.a.,luis@bodegas.example,,1975-12-01,en\n"
    )
    token = token_of(upload(client, csv_file(text), target="contact"))

    done = step(io_url("import_preview", token), "post")

    assert done.status_code == 302, errors_of(done)
    assert done["Location"] == reverse("entities:contact_list")
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "2 contacts were imported from “data.csv”."
    ]
    assert list(
        Contact.objects.order_by("first_name").values_list(
            "first_name", "last_name", "entity", "birthday", "language"
        )
    ) == [
        ("Ana", "García", aceros.pk, datetime.date(1980, 1, 31), "es"),
        ("Luis", "Martín", bodegas.pk, datetime.date(1975, 12, 1), "en"),
    ]
    ana = Contact.objects.get(first_name="Ana")
    assert list(ana.phones.values_list("number", flat=True)) == ["+34600111222"]
    assert list(ana.emails.values_list("email", flat=True)) == ["ana@aceros.example"]


def test_contacts_of_unknown_hidden_or_ambiguous_entities_are_errors(
    client, agent, other_agent, customer
):
    services.entity_create(user=agent, data={"kind": customer, "legal_name": "Twin"})
    services.entity_create(user=agent, data={"kind": customer, "legal_name": "twin"})
    services.entity_create(
        user=other_agent, data={"kind": customer, "legal_name": "Hidden", "tax_id": "A58818501"}
    )
    table = uploads.Table(
        headers=["First name", "Company", "Company VAT"],
        rows=[
            (2, ["Ana", "Nowhere", ""]),
            (3, ["Bea", "", "A58818501"]),
            (4, ["Carla", "Twin", ""]),
            (5, ["", "", ""]),
        ],
    )

    report = run_import(
        user=agent,
        target="contact",
        rows=rows_from_table(table, ["first_name", "entity_name", "entity_tax_id"]),
        commit=True,
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Company", "There is no entity “Nowhere” that you can see."),
        (3, "Company VAT", "There is no entity “A58818501” that you can see."),
        (4, "Company", "Several entities are called “Twin”: identify it by its tax id."),
        (5, "Company VAT", "Enter the entity's tax id or legal name."),
    ]
    assert Contact.objects.count() == 0


def test_an_agent_cannot_import_contacts_into_a_teammates_entity(agent, manager, customer):
    services.entity_create(user=manager, data={"kind": customer, "legal_name": "Managed"})
    table = uploads.Table(headers=["First name", "Company"], rows=[(2, ["Ana", "Managed"])])

    report = run_import(
        user=agent,
        target="contact",
        rows=rows_from_table(table, ["first_name", "entity_name"]),
        commit=True,
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Company", "You cannot add contacts to “Managed”.")
    ]
    assert Contact.objects.count() == 0


# --- Duplicate warnings -------------------------------------------------------------------


def test_dry_run_warns_of_possible_duplicates_without_stopping_the_import(
    agent, other_agent, customer
):
    services.entity_create(
        user=agent,
        data={"kind": customer, "legal_name": "Aceros del Norte S.L."},
        emails=[{"email": "info@aceros.example"}],
    )
    services.entity_create(
        user=other_agent,
        data={"kind": customer, "legal_name": "Hidden S.A."},
        phones=[{"number": "954000111"}],
    )
    table = uploads.Table(
        headers=["Name", "Email", "Phone"],
        rows=[
            (2, ["Aceros del Norte", "info@aceros.example", ""]),
            (3, ["Bodegas Sur", "", "954 000 111"]),
            (4, ["Nueva S.L.", "", ""]),
            (5, ["nueva, s.l.", "", "954-000-111"]),
        ],
    )
    rows = rows_from_table(table, ["legal_name", "email", "phone"])
    options = ImportOptions(default_kind=customer)

    dry = run_import(user=agent, target="entity", rows=rows, options=options, commit=False)
    real = run_import(user=agent, target="entity", rows=rows, options=options, commit=True)

    assert [(w.row, w.message) for w in dry.warnings] == [
        (2, "Looks like “Aceros del Norte S.L.” (same email, similar name (100%))."),
        (3, "1 record that you cannot see, owned by another team, matches this one (same phone)."),
        (5, "1 record that you cannot see, owned by another team, matches this one (same phone)."),
        (5, "Same name as row 4."),
        (5, "Same phone as row 3."),
    ]
    assert dry.ok and dry.created_count == 4
    assert real.committed and real.warnings == []
    assert Entity.objects.count() == 6
