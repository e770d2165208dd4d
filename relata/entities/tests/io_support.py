"""Helpers shared by the import, export and vCard tests."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

BAD_EMAIL_MESSAGE = "An email address needs an @ before the domain, as in name@example.com."
SPANISH_CSV = (
    "Razón social;NIF/CIF;Correo;Teléfono;Tipo;Fuente;Etiquetas\r\n"
    "Aceros del Norte S.L.;b-1234567-4;info@aceros.example;944 123 456;Cliente;Feria;VIP\r\n"
    "Bodegas Sur S.A.;A58818501;ventas@bodegas.example;954 000 111;customer;fair;VIP, Vino\r\n"
)


def io_url(name: str, *args) -> str:
    return reverse(f"entities:entities_io:{name}", args=args)


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
