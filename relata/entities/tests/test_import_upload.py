"""Import of entities and contacts: header guessing, upload checks, leftover files and the
background job that checks and imports."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.io import uploads
from relata.entities.io.fields import guess_mapping, target_fields
from relata.entities.models import (
    Contact,
    Entity,
)
from relata.entities.tasks import import_files_cleanup
from relata.entities.tests.io_support import (
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


# --- Leftover files ----------------------------------------------------------------


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
