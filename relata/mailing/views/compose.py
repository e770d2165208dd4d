"""Writing an email: to contacts of an entity (from an entity, contact or case page), to a
segment's contacts, or to a campaign's targets (the contacts of its target segment);
preview with the first recipient; send through the outbox.

``?campaign=<pk>`` is ``?segment=`` of the campaign's target segment with the campaign
fixed: every queued email records it (so the campaign's results can count them later) and
the message is marketing by default, which sends it only to the contacts who accept
marketing email. A segment send may name a campaign too (the form's *Campaign* field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.actions.ical import contact_email
from relata.campaigns import selectors as campaign_selectors
from relata.campaigns.models import Campaign
from relata.cases import selectors as case_selectors
from relata.cases.models import Case
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.models import Contact, Entity, Segment
from relata.entities.segments.selectors import segment_get
from relata.mailing import selectors, services
from relata.mailing.forms import ComposeForm
from relata.mailing.models import EmailTemplate
from relata.mailing.placeholders import FIELDS, SINGLE, build_context
from relata.mailing.rendering import TemplateRenderError, render_message
from relata.mailing.senders import sender_for

MAX_SEGMENT_RECIPIENTS = 20_000
SHOWN_RECIPIENTS = 200


@dataclass
class Audience:
    """Whom a compose page writes to."""

    entity: Entity | None = None
    case: Case | None = None
    segment: Segment | None = None
    campaign: Campaign | None = None
    choices: list[Contact] = field(default_factory=list)
    chosen: set[int] = field(default_factory=set)

    def query(self) -> str:
        if self.campaign is not None:
            return f"campaign={self.campaign.pk}"
        if self.segment is not None:
            return f"segment={self.segment.pk}"
        if self.case is not None:
            return f"case={self.case.pk}"
        return f"entity={self.entity.pk}" if self.entity is not None else ""


def _visible(request: AuthenticatedHttpRequest, model: Any, raw: str | None) -> Any:
    if not raw or not raw.isdigit():
        return None
    obj = model.objects.filter(pk=int(raw)).first()
    if obj is None or not permissions.can_view(request.user, obj):
        raise Http404
    return obj


class NoAudience(Exception):
    """The page has no one to write to; ``message`` says why and ``back`` where to go."""

    def __init__(self, message: str, back: str) -> None:
        super().__init__(message)
        self.message = message
        self.back = back


def _segment_of(request: AuthenticatedHttpRequest, pk: int) -> Segment:
    try:
        return segment_get(user=request.user, pk=pk)
    except Segment.DoesNotExist as error:
        raise Http404 from error


def _campaign_segment(request: AuthenticatedHttpRequest, raw: str) -> tuple[Campaign, Segment]:
    """The campaign (readable by everyone) and its target segment, which the user must be
    able to use (404 otherwise); :class:`NoAudience` when it has none or is switched off."""
    if not raw.isdigit():
        raise Http404
    try:
        campaign = campaign_selectors.campaign_get(pk=int(raw))
    except Campaign.DoesNotExist as error:
        raise Http404 from error
    back = reverse("campaigns:campaign_list")
    if campaign.target_segment_id is None:
        raise NoAudience(
            _(
                "The campaign “%(name)s” has no target segment. Choose one on the campaign "
                "to send email to its targets."
            )
            % {"name": campaign.name},
            back,
        )
    if not campaign.is_active:
        raise NoAudience(
            _("The campaign “%(name)s” is not active: activate it to send email to its targets.")
            % {"name": campaign.name},
            back,
        )
    return campaign, _segment_of(request, campaign.target_segment_id)


def audience_of(request: AuthenticatedHttpRequest, params: Any) -> Audience:
    """Read ``contact``/``entity``/``case``/``segment``/``campaign`` from the query; 404
    when the user may not see one of them; :class:`NoAudience` when a campaign has no
    targets or a segment's conditions no longer fit."""
    audience = Audience()
    if params.get("campaign") or params.get("segment"):
        if params.get("campaign"):
            audience.campaign, audience.segment = _campaign_segment(request, params["campaign"])
            back = reverse("campaigns:campaign_list")
        else:
            raw = params["segment"]
            audience.segment = _segment_of(request, int(raw) if raw.isdigit() else 0)
            back = audience.segment.get_absolute_url()
        try:
            contacts = list(
                selectors.segment_contacts(user=request.user, segment=audience.segment)[
                    :MAX_SEGMENT_RECIPIENTS
                ]
            )
        except ValidationError as error:  # the segment's conditions no longer fit
            raise NoAudience(" ".join(error.messages), back) from error
        audience.choices = contacts
        audience.chosen = {c.pk for c in contacts}
        return audience
    contact = _visible(request, Contact, params.get("contact"))
    if params.get("case"):
        try:
            audience.case = case_selectors.case_get(user=request.user, pk=int(params["case"]))
        except (Case.DoesNotExist, ValueError) as error:
            raise Http404 from error
        audience.entity = audience.case.entity
        if contact is None and audience.case.contact_id:
            contact = audience.case.contact
    elif contact is not None:
        audience.entity = contact.entity
    else:
        audience.entity = _visible(request, Entity, params.get("entity"))
    if audience.entity is None:
        raise Http404
    audience.choices = list(selectors.entity_contacts(user=request.user, entity=audience.entity))
    if contact is not None:
        audience.chosen = {contact.pk}
    else:
        reachable = [c for c in audience.choices if contact_email(c)]
        if len(reachable) == 1:  # the entity's only contact with an address
            audience.chosen = {reachable[0].pk}
    return audience


def _chosen_contacts(request: AuthenticatedHttpRequest, audience: Audience) -> list[Contact]:
    if audience.segment is not None:
        return audience.choices
    wanted = {int(v) for v in request.POST.getlist("recipients") if v.isdigit()}
    return [c for c in audience.choices if c.pk in wanted]


def _context(
    request: AuthenticatedHttpRequest, audience: Audience, form: ComposeForm, **extra: Any
) -> dict[str, Any]:
    rows = [(c, contact_email(c)) for c in audience.choices[:SHOWN_RECIPIENTS]]
    return {
        "form": form,
        "audience": audience,
        "rows": rows,
        "recipient_count": len(audience.choices),
        "hidden_count": max(len(audience.choices) - SHOWN_RECIPIENTS, 0),
        "opt_in_count": sum(1 for c in audience.choices if c.email_opt_in),
        "fields": FIELDS,
        "single": SINGLE,
        "action_url": f"{reverse('mailing:compose')}?{audience.query()}",
        "sender": sender_for(request.user),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not permissions.can_write(request.user):
        raise PermissionDenied
    try:
        audience = audience_of(request, request.GET)
    except NoAudience as error:
        messages.error(request, error.message)
        return redirect(error.back)
    if request.method == "GET":
        initial: dict[str, Any] = {}
        template = _template(request.GET.get("template"))
        if template is not None:
            initial = _template_initial(template)
        if audience.campaign is not None:
            # A campaign's email is marketing unless the user says otherwise.
            initial["is_marketing"] = True
        form = ComposeForm(initial=initial)
        return render(request, "mailing/compose.html", _context(request, audience, form))
    form = ComposeForm(request.POST, request.FILES)
    audience.chosen = {int(v) for v in request.POST.getlist("recipients") if v.isdigit()}
    if audience.segment is not None:
        audience.chosen = {c.pk for c in audience.choices}
    if form.is_valid():
        try:
            result = _send(request, audience, form)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            _report(request, result)
            return redirect(f"{reverse('mailing:outbox')}?batch={result.batch}")
    return render(request, "mailing/compose.html", _context(request, audience, form), status=200)


@transaction.atomic
def _send(
    request: AuthenticatedHttpRequest, audience: Audience, form: ComposeForm
) -> services.SendResult:
    """Keep the uploaded files and queue the messages, all or nothing."""
    data = form.cleaned_data
    attachments = [
        services.attachment_add(user=request.user, upload=upload)
        for upload in data.get("attachments") or []
    ]
    template: EmailTemplate | None = data.get("template")
    return services.email_send(
        campaign=_campaign_of(audience, data.get("campaign")),
        user=request.user,
        contacts=_chosen_contacts(request, audience),
        template=template,
        subject=data["subject"],
        body_html=data["body_html"],
        body_text=data.get("body_text") or "",
        is_marketing=bool(data.get("is_marketing"))
        or (template is not None and template.is_marketing),
        case=audience.case,
        attachments=attachments,
    )


def _campaign_of(audience: Audience, chosen: Campaign | None) -> Campaign | None:
    """The campaign of a send: the page's, or the one chosen on a segment send."""
    if audience.campaign is not None:
        return audience.campaign
    return chosen if audience.segment is not None else None


def _apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = name if name in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _report(request: AuthenticatedHttpRequest, result: services.SendResult) -> None:
    messages.success(
        request,
        ngettext("%(count)d email queued.", "%(count)d emails queued.", result.queued)
        % {"count": result.queued},
    )
    if result.suppressed:
        messages.warning(
            request,
            ngettext(
                "%(count)d contact was left out: no consent or a suppressed address.",
                "%(count)d contacts were left out: no consent or a suppressed address.",
                result.suppressed,
            )
            % {"count": result.suppressed},
        )
    if result.without_address:
        messages.warning(
            request,
            ngettext(
                "%(count)d contact has no email address.",
                "%(count)d contacts have no email address.",
                len(result.without_address),
            )
            % {"count": len(result.without_address)},
        )


def _template(raw: str | None) -> EmailTemplate | None:
    if not raw or not raw.isdigit():
        return None
    return EmailTemplate.objects.filter(pk=int(raw), is_active=True).first()


def _template_initial(template: EmailTemplate) -> dict[str, Any]:
    return {
        "template": template.pk,
        "subject": template.subject,
        "body_html": template.body_html,
        "body_text": template.body_text,
        "is_marketing": template.is_marketing,
    }


@login_required
@require_GET
def compose_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the message fields filled from the chosen template (still marketing on a
    campaign's page)."""
    template = _template(request.GET.get("template"))
    initial = _template_initial(template) if template else {}
    if request.GET.get("campaign"):
        initial["is_marketing"] = True
    form = ComposeForm(initial=initial)
    return render(request, "mailing/compose.html#message-fields", {"form": form})


@login_required
@require_POST
def compose_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the message as the first chosen recipient will get it."""
    if not permissions.can_write(request.user):
        raise PermissionDenied
    try:
        audience = audience_of(request, request.GET)
    except NoAudience as error:
        return render(request, "mailing/_preview.html", {"error": error.message})
    contacts = _chosen_contacts(request, audience) or audience.choices[:1]
    contact = contacts[0] if contacts else None
    context = build_context(
        entity=contact.entity if contact else audience.entity,
        contact=contact,
        email=contact_email(contact) if contact else "",
        case=audience.case,
        sender=request.user,
        campaign=_campaign_of(audience, _posted_campaign(request)),
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


def _posted_campaign(request: AuthenticatedHttpRequest) -> Campaign | None:
    raw = request.POST.get("campaign", "")
    return Campaign.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
