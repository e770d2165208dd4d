"""Import of entities and contacts from CSV and XLSX: upload checks, column mapping, the dry
run's row/column/message report, all-or-nothing saving and the values stored."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import Workbook

from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.io import uploads
from relata.entities.io.fields import guess_mapping, target_fields
from relata.entities.io.importing import ImportOptions, rows_from_table, run_import
from relata.entities.models import (
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    KindMeaning,
    PhoneNumber,
    Source,
)
from relata.entities.tasks import import_files_cleanup

pytestmark = pytest.mark.django_db

BAD_EMAIL_MESSAGE = "An email address needs an @ before the domain, as in name@example.com."


def io_url(name: str, *args) -> str:
    try:
        return reverse(f"entities:entities_io:{name}", args=args)
    except NoReverseMatch:
        return reverse(f"entities_io:{name}", args=args)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def step(client, django_capture_on_commit_callbacks):
    """Make a request that starts a background job, let the job run (tests run Huey
    inline once the transaction would commit), and return the page that follows: the
    report, or the redirect after a successful import."""

    def step(url: str, method: str = "get"):
        with django_capture_on_commit_callbacks(execute=True):
            first = getattr(client, method)(url)
        assert first.status_code in (200, 302)
        return client.get(url)

    return step


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="customer", label_en="Customer", label_es="Cliente", meaning=KindMeaning.CUSTOMER
    )


@pytest.fixture
def prospect(db):
    return EntityKind.objects.create(
        code="prospect",
        label_en="Prospect",
        label_es="Cliente potencial",
        meaning=KindMeaning.PROSPECT,
    )


def csv_file(text: str, name: str = "data.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "data.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def stored_files(media) -> list[str]:
    folder = media / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def upload(client, file, target="entity"):
    return client.post(io_url("import_start"), {"target": target, "file": file})


def token_of(response) -> str:
    match = re.search(r"/([0-9a-f-]{36})/mapping/$", response["Location"])
    assert match, response["Location"]
    return match[1]


def errors_of(response) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in response.context["report"].errors]


SPANISH_CSV = (
    "Razón social;NIF/CIF;Correo;Teléfono;Tipo;Fuente;Etiquetas\r\n"
    "Aceros del Norte S.L.;b-1234567-4;info@aceros.example;944 123 456;Cliente;Feria;VIP\r\n"
    "Bodegas Sur S.A.;A58818501;ventas@bodegas.example;954 000 111;customer;fair;VIP, Vino\r\n"
)


# --- Header guessing -----------------------------------------------------------------


def test_headers_in_english_and_spanish_are_guessed(customer):
    headers = [
        "Razón social",
        "NIF/CIF",
        "Email",
        "Correo electrónico",
        "Teléfono",
        "Nombre comercial",
        "C.P.",
        "Población",
        "Something else",
        "ID",
    ]

    mapping = guess_mapping(headers, target_fields("entity"))

    assert mapping == [
        "legal_name",
        "tax_id",
        "email",
        "email",
        "phone",
        "trade_name",
        "postal_code",
        "city",
        "",
        "",
    ]


def test_contact_headers_are_guessed_and_custom_fields_are_targets(admin_user):
    field_definition_create(
        user=admin_user,
        target="contact",
        key="shoe_size",
        label_en="Shoe size",
        label_es="Talla",
        field_type="integer",
    )

    mapping = guess_mapping(
        ["Nombre", "Apellidos", "Empresa", "NIF empresa", "Correo", "Cargo", "Talla"],
        target_fields("contact"),
    )

    assert mapping == [
        "first_name",
        "last_name",
        "entity_name",
        "entity_tax_id",
        "email",
        "job_title",
        "custom.shoe_size",
    ]


# --- Upload checks ---------------------------------------------------------------------


def test_too_big_a_file_is_refused_with_a_message(client, agent, media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(agent)

    response = upload(client, csv_file("Name\n" + "x" * 1200))

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is 0.0 MB; the limit is 0.0 MB."]
    assert stored_files(media) == []


def test_a_file_over_ten_megabytes_is_refused(client, agent, media):
    client.force_login(agent)

    response = upload(client, csv_file("Name\n" + "x" * (10 * 1024 * 1024)))

    assert response.context["form"].errors["file"] == ["The file is 10.0 MB; the limit is 10.0 MB."]
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            SimpleUploadedFile("data.pdf", b"%PDF-1.4"),
            "“data.pdf” is not a file this import takes: use .csv, .xlsx.",
        ),
        (
            SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0"),
            "Old Excel files (.xls) cannot be read: save it as .xlsx or .csv in Excel.",
        ),
        (
            SimpleUploadedFile("fake.xlsx", b"Name,Tax id\nA,B\n"),
            "This file is not an Excel workbook (.xlsx).",
        ),
        (
            SimpleUploadedFile("broken.xlsx", b"PK\x03\x04not really a zip"),
            "This file could not be opened as an Excel workbook (.xlsx); it may be damaged.",
        ),
        (
            SimpleUploadedFile("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            "This file is not a CSV text file. Export the sheet as CSV, or upload an .xlsx.",
        ),
        (
            SimpleUploadedFile("empty.csv", b"\n\nA,B\n"),
            "The first row must hold the column names, and it is empty.",
        ),
        (
            SimpleUploadedFile("header.csv", b"Name,Tax id\n"),
            "The file has column names but no rows to import.",
        ),
    ],
)
def test_wrong_kinds_of_file_are_refused_with_a_message(client, agent, media, file, message):
    client.force_login(agent)

    response = upload(client, file)

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert stored_files(media) == []


def test_windows_encoded_csv_with_semicolons_is_read(client, agent, media, customer):
    client.force_login(agent)

    response = upload(
        client, csv_file("Razón social;Población\nCañas S.L.;Logroño\n", encoding="cp1252")
    )

    token = token_of(response)
    found = uploads.session_get(client.session, token)
    assert found is not None
    stored, state = found
    assert (stored.encoding, stored.delimiter, state["mapping"]) == (
        "cp1252",
        ";",
        ["legal_name", "city"],
    )
    assert stored_files(media) == [f"{token}.csv"]
    table = uploads.read_table(stored)
    assert table.rows == [(2, ["Cañas S.L.", "Logroño"])]


def test_too_many_rows_are_refused(client, agent, media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 3)
    client.force_login(agent)

    response = upload(client, csv_file("Name\na\nb\n\nc\nd\n"))

    assert response.context["form"].errors["file"] == [
        "The file has more than 3 rows, the most an import takes. Split it into smaller files."
    ]


def test_read_only_users_cannot_import(client, reader, media):
    client.force_login(reader)

    assert client.get(io_url("import_start")).status_code == 403
    assert upload(client, csv_file("Name\nA\n")).status_code == 403
    assert stored_files(media) == []


def test_another_session_cannot_reach_an_upload(client, agent, other_agent, customer):
    client.force_login(agent)
    token = token_of(upload(client, csv_file(SPANISH_CSV)))
    client.force_login(other_agent)

    assert client.get(io_url("import_mapping", token)).status_code == 404
    assert client.get(io_url("import_preview", token)).status_code == 404


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


def test_cancel_deletes_the_file(client, agent, media, customer):
    client.force_login(agent)
    token = token_of(upload(client, csv_file(SPANISH_CSV)))

    response = client.post(io_url("import_cancel", token))

    assert response.status_code == 302
    assert stored_files(media) == []
    assert uploads.session_get(client.session, token) is None


def test_stale_files_are_deleted_by_the_periodic_task(media):
    fresh = default_storage.save("imports/fresh.csv", io.BytesIO(b"a"))
    old = default_storage.save("imports/old.csv", io.BytesIO(b"a"))
    day_ago = (timezone.now() - datetime.timedelta(hours=25)).timestamp()
    import os

    os.utime(default_storage.path(old), (day_ago, day_ago))

    deleted = import_files_cleanup.call_local()

    assert deleted == 1
    assert stored_files(media) == [fresh.split("/")[-1]]


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


# --- The background job ---------------------------------------------------------------


def test_the_check_runs_in_the_background_and_the_page_waits_for_it(
    client, agent, customer, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    token = token_of(upload(client, csv_file("Name,Kind\nUno S.L.,customer\n")))
    url = io_url("import_preview", token)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        waiting = client.get(url)
        assert b'data-status="queued"' in waiting.content
        assert b'http-equiv="refresh"' in waiting.content
    report_page = client.get(url)

    assert len(callbacks) == 1
    assert report_page.context["report"].created_count == 1
    assert b'id="import-submit"' in report_page.content
    assert Entity.objects.count() == 0


def test_a_second_post_does_not_import_twice(
    client, agent, customer, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    token = token_of(upload(client, csv_file("Name,Kind\nUno S.L.,customer\nDos S.L.,customer\n")))
    url = io_url("import_preview", token)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(url)
        client.post(url)
    done = client.get(url)

    assert len(callbacks) == 1
    assert done.status_code == 302
    assert sorted(Entity.objects.values_list("legal_name", flat=True)) == ["Dos S.L.", "Uno S.L."]


def test_a_file_gone_from_storage_sends_back_to_the_upload_with_a_message(
    client, agent, media, customer
):
    client.force_login(agent)
    token = token_of(upload(client, csv_file("Name,Kind\nUno S.L.,customer\n")))
    (media / "imports" / f"{token}.csv").unlink()

    response = client.get(io_url("import_preview", token), follow=True)

    assert response.redirect_chain[-1][0] == io_url("import_start")
    assert [str(m) for m in response.context["messages"]] == [
        "The uploaded file is no longer here (files are kept for a day): upload it again."
    ]
    assert uploads.session_get(client.session, token) is None


def test_xlsx_contacts_with_date_cells_and_numbers(client, agent, customer, step):
    services.entity_create(
        user=agent, data={"kind": customer, "legal_name": "Aceros S.L.", "tax_id": "B12345674"}
    )
    client.force_login(agent)
    file = xlsx_file(
        [
            ["First name", "Company VAT", "Birthday", "Mobile", "Accepts marketing email"],
            ["Ana", "B12345674", datetime.datetime(1980, 1, 31), 600111222, True],
        ]
    )
    token = token_of(upload(client, file, target="contact"))

    done = step(io_url("import_preview", token), "post")

    assert done.status_code == 302, errors_of(done)
    ana = Contact.objects.get()
    assert (ana.birthday, ana.email_opt_in) == (datetime.date(1980, 1, 31), True)
    assert list(ana.phones.values_list("number", flat=True)) == ["+34600111222"]


def test_utf16_tab_separated_text_from_excel_is_read(client, agent):
    client.force_login(agent)
    data = "Razón social\tCiudad\r\nCañas S.L.\tLogroño\r\n".encode("utf-16")

    token = token_of(upload(client, SimpleUploadedFile("unicode.txt", data)))

    stored, state = uploads.session_get(client.session, token)
    assert (stored.encoding, stored.delimiter, state["mapping"]) == (
        "utf-16",
        "\t",
        ["legal_name", "city"],
    )
    assert uploads.read_table(stored).rows == [(2, ["Cañas S.L.", "Logroño"])]
