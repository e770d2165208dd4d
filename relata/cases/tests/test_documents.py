"""Documents of a case: what is accepted (checked by content), what is refused with a
clear message and nothing stored, downloads behind the permission layer, deletion."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relata.cases import documents
from relata.cases.models import CaseDocument

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(client, case, name: str, content: bytes, content_type: str = "application/pdf"):
    return client.post(
        reverse("cases:document_add", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_pdf_is_accepted_and_downloadable(client, agent, make_case, media):
    case = make_case()
    client.force_login(agent)

    response = upload(client, case, "offer 2031.pdf", PDF)

    assert response.status_code == 302
    document = CaseDocument.objects.get()
    assert (document.name, document.content_type, document.size) == (
        "offer_2031.pdf",
        "application/pdf",
        len(PDF),
    )
    assert stored_files(media) == ["offer_2031.pdf"]
    download = client.get(reverse("cases:document", args=[case.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", EXE, "This kind of file cannot be kept"),
        ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "cannot be kept"),
        ("notes.txt", b"<html><body onload=alert(1)>", "cannot be kept"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "cannot be kept"),
        ("offer.txt", PDF, "does not match the file's content"),
        ("empty.pdf", b"", "file is empty"),
    ],
)
def test_refused_uploads_store_nothing(client, agent, make_case, media, name, content, message):
    case = make_case()
    client.force_login(agent)

    response = upload(client, case, name, content)

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert CaseDocument.objects.count() == 0
    assert stored_files(media) == []


def test_oversize_upload_is_refused(client, agent, make_case, media):
    case = make_case()
    client.force_login(agent)
    content = PDF + b"0" * (documents.MAX_SIZE + 1 - len(PDF))

    response = upload(client, case, "huge.pdf", content)

    assert response.status_code == 400
    assert "the most a document may have is 20.0" in response.content.decode()
    assert CaseDocument.objects.count() == 0
    assert stored_files(media) == []


def test_office_and_text_files_are_recognised():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    docx = SimpleUploadedFile("offer.docx", buffer.getvalue())
    text = SimpleUploadedFile("notes.csv", "name;amount\nAcmé;10\n".encode())
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    assert documents.check_upload(docx)[1].extensions == (".docx",)
    assert documents.check_upload(text)[1].content_type == "text/csv"
    assert documents.check_upload(png)[1].content_type == "image/png"


def test_download_of_another_team_case_is_404(client, agent, other_agent, other_entity, case_types):
    from relata.cases import services

    theirs = services.case_create(
        user=other_agent,
        data={"case_type": case_types["complaint"], "entity": other_entity, "subject": "Leak"},
    )
    document = documents.case_document_add(
        user=other_agent, case=theirs, upload=SimpleUploadedFile("leak.pdf", PDF)
    )
    client.force_login(agent)

    response = client.get(reverse("cases:document", args=[theirs.pk, document.pk]))

    assert response.status_code == 404


def test_document_of_another_case_is_404(client, agent, make_case):
    first, second = make_case(), make_case(subject="Second")
    document = documents.case_document_add(
        user=agent, case=first, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(agent)

    response = client.get(reverse("cases:document", args=[second.pk, document.pk]))

    assert response.status_code == 404


def test_reader_cannot_upload(client, reader, make_case, media):
    case = make_case()
    client.force_login(reader)

    response = upload(client, case, "offer.pdf", PDF)

    assert response.status_code == 403
    assert CaseDocument.objects.count() == 0


def test_delete_asks_then_removes_the_file(
    client, agent, make_case, media, django_capture_on_commit_callbacks
):
    case = make_case()
    document = documents.case_document_add(
        user=agent, case=case, upload=SimpleUploadedFile("offer.pdf", PDF)
    )
    client.force_login(agent)
    url = reverse("cases:document_delete", args=[case.pk, document.pk])

    confirm = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert "Delete this document?" in confirm.content.decode()
    assert response.status_code == 302
    assert CaseDocument.objects.count() == 0
    assert stored_files(media) == []


def test_reader_cannot_delete(client, reader, agent, make_case, media):
    case = make_case()
    document = documents.case_document_add(
        user=agent, case=case, upload=SimpleUploadedFile("offer.pdf", PDF)
    )
    client.force_login(reader)

    response = client.post(reverse("cases:document_delete", args=[case.pk, document.pk]))

    assert response.status_code == 403
    assert CaseDocument.objects.count() == 1
