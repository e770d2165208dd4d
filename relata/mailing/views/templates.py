"""Email templates: the list (everyone), the form (administrators) and a preview against a
chosen contact (and case)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.actions.ical import contact_email
from relata.cases import selectors as case_selectors
from relata.cases.models import Case
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.models import Contact
from relata.mailing import selectors, services
from relata.mailing.forms import TemplateForm
from relata.mailing.models import EmailAttachment, EmailTemplate
from relata.mailing.placeholders import FIELDS, SINGLE, build_context, sample_context
from relata.mailing.rendering import TemplateRenderError, render_message
from relata.mailing.views.compose import _apply_errors


@login_required
@require_GET
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "mailing/template_list.html",
        {
            "templates": selectors.template_list(),
            "can_configure": permissions.can_configure(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_form(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    if not permissions.can_configure(request.user):
        raise PermissionDenied
    template = get_object_or_404(EmailTemplate, pk=pk) if pk else None
    form = TemplateForm(request.POST or None, request.FILES or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in TemplateForm.Meta.fields}
        try:
            with transaction.atomic():
                if template is None:
                    template = services.template_create(user=request.user, data=data)
                else:
                    services.template_update(user=request.user, template=template, data=data)
                for upload in form.cleaned_data.get("new_attachments") or []:
                    services.attachment_add(user=request.user, upload=upload, template=template)
        except ValidationError as error:
            if template is not None and template.pk is None:
                template = None
            _apply_errors(form, error)
        else:
            messages.success(request, _("The template is saved."))
            return redirect("mailing:templates")
    return render(
        request,
        "mailing/template_form.html",
        {
            "form": form,
            "template": template if template is not None and template.pk else None,
            "attachments": list(template.attachments.all()) if template and template.pk else [],
            "fields": FIELDS,
            "single": SINGLE,
        },
    )


@login_required
@require_POST
def template_attachment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(EmailAttachment, pk=pk, template__isnull=False)
    template_pk = attachment.template_id
    services.attachment_delete(user=request.user, attachment=attachment)
    messages.success(request, _("The attachment is removed from the template."))
    return redirect("mailing:template_edit", pk=template_pk)


@login_required
@require_POST
def template_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(EmailTemplate, pk=pk)
    services.template_delete(user=request.user, template=template)
    messages.success(request, _("The template is deleted."))
    return redirect("mailing:templates")


@login_required
@require_POST
def template_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the template being edited, rendered for a chosen contact (and case), or for
    the sample data when none is chosen."""
    contact = None
    case = None
    raw_contact = request.POST.get("preview_contact", "")
    if raw_contact.isdigit():
        contact = Contact.objects.filter(pk=int(raw_contact)).select_related("entity").first()
        if contact is None or not permissions.can_view(request.user, contact):
            raise Http404
    raw_case = request.POST.get("preview_case", "")
    if raw_case.isdigit():
        try:
            case = case_selectors.case_get(user=request.user, pk=int(raw_case))
        except Case.DoesNotExist as error:
            raise Http404 from error
    if contact is None and case is None:
        context = sample_context()
    else:
        entity = contact.entity if contact else case.entity if case else None
        context = build_context(
            entity=entity,
            contact=contact,
            email=contact_email(contact) if contact else "",
            case=case,
            sender=request.user,
            unsubscribe_url="#unsubscribe",
        )
    try:
        rendered = render_message(
            subject=request.POST.get("subject", ""),
            body_html=request.POST.get("body_html", ""),
            body_text=request.POST.get("body_text", ""),
            context=context,
        )
    except TemplateRenderError as error:
        return render(
            request, "mailing/_preview.html", {"error": error.user_message, "field": error.field}
        )
    return render(request, "mailing/_preview.html", {"rendered": rendered, "contact": contact})
