"""A case's documents: upload, download (permission-checked, always as an attachment) and
delete with confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.cases.documents import case_document_add, case_document_delete
from relata.cases.forms import DocumentForm
from relata.cases.models import Case, CaseDocument
from relata.cases.views.pages import case_or_404, detail_context, forbid_unless
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest


def _document_or_404(case: Case, pk: int) -> CaseDocument:
    try:
        return case.documents.select_related("case").get(pk=pk)
    except CaseDocument.DoesNotExist as error:
        raise Http404 from error


@login_required
@require_POST
def document_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, case))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = case_document_add(
                user=request.user, case=case, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            for messages_ in error.message_dict.values():
                form.add_error("file", messages_)
        else:
            messages.success(
                request, _("The document “%(name)s” was added.") % {"name": document.name}
            )
            return redirect(f"{reverse('cases:detail', args=[case.pk])}#documents")
    context = detail_context(request, case)
    context["document_form"] = form
    return render(request, "cases/case_detail.html", context, status=400)


@login_required
@require_GET
def document_download(
    request: AuthenticatedHttpRequest, pk: int, document_pk: int
) -> HttpResponseBase:
    case = case_or_404(request, pk)
    document = _document_or_404(case, document_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def document_delete(request: AuthenticatedHttpRequest, pk: int, document_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    document = _document_or_404(case, document_pk)
    forbid_unless(permissions.can_change(request.user, case))
    if request.method == "POST":
        case_document_delete(user=request.user, document=document)
        messages.success(
            request, _("The document “%(name)s” was deleted.") % {"name": document.name}
        )
        return redirect(f"{reverse('cases:detail', args=[case.pk])}#documents")
    return render(
        request, "cases/case_confirm_document_delete.html", {"case": case, "document": document}
    )
