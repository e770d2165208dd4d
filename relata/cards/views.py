"""Card-scanning pages: upload a photo, wait for the reading, review and save."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from relata.cards import imaging, selectors, services
from relata.cards.forms import CardReviewForm, CardUploadForm
from relata.cards.models import CardScan
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities import selectors as entity_selectors
from relata.entities.forms import apply_service_errors
from relata.entities.models import Contact, Entity
from relata.entities.views import forbid_unless

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}


def _scan_or_404(request: AuthenticatedHttpRequest, pk: int) -> CardScan:
    try:
        return selectors.scan_get(user=request.user, pk=pk)
    except CardScan.DoesNotExist as error:
        raise Http404 from error


def _chosen_entity(request: AuthenticatedHttpRequest, value: object) -> Entity | None:
    """Return the entity the scan was started from (a contact form), if the user may see it."""
    if not str(value or "").isdigit():
        return None
    try:
        entity = entity_selectors.entity_get(user=request.user, pk=int(str(value)))
    except Entity.DoesNotExist:
        return None
    return entity if permissions.can_change(request.user, entity) else None


@login_required
@require_http_methods(["GET", "POST"])
def scan_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "Scan card" page: take or choose a photo; then wait for the reading."""
    forbid_unless(permissions.can_write(request.user))
    form = CardUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"entity": request.GET.get("entity", "")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["image"]
        try:
            data = imaging.read_upload(upload, upload.size)
            scan = services.card_scan_create(user=request.user, data=data, filename=upload.name)
        except ValidationError as error:
            form.add_error("image", error.messages)
        else:
            entity = _chosen_entity(request, form.cleaned_data.get("entity"))
            url = scan.get_absolute_url()
            return redirect(f"{url}?entity={entity.pk}" if entity else url)
    context = {"form": form, "scans": selectors.scan_list(user=request.user)}
    return render(request, "cards/scan_new.html", context, status=400 if form.errors else 200)


@login_required
def scan_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that the waiting page polls; sends the browser on when done."""
    scan = _scan_or_404(request, pk)
    if scan.is_finished and request.htmx:
        url = scan.get_absolute_url()
        entity = request.GET.get("entity", "")
        return HttpResponseClientRedirect(f"{url}?entity={entity}" if entity.isdigit() else url)
    return render(request, "cards/scan_detail.html#progress", {"scan": scan})


@login_required
def scan_image(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The card picture, to whoever may see the scan or the contact it became."""
    try:
        scan = CardScan.objects.select_related("contact__entity").get(pk=pk)
    except CardScan.DoesNotExist as error:
        raise Http404 from error
    if not selectors.can_see_image(user=request.user, scan=scan):
        raise Http404
    extension = (scan.image.name or "").rsplit(".", 1)[-1].lower()
    if extension == "heic":
        # Browsers other than Safari cannot show HEIC: send a JPEG copy, keep the original.
        with scan.image.open("rb") as stored:
            checked = imaging.check_image(stored.read())
        buffer = io.BytesIO()
        imaging.upright(checked.image).save(buffer, "JPEG", quality=85)
        buffer.seek(0)
        response = FileResponse(buffer, content_type="image/jpeg")
    else:
        response = FileResponse(
            scan.image.open("rb"), content_type=CONTENT_TYPES.get(extension, "image/jpeg")
        )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def scan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Wait for the reading (GET, polled), then review the proposed contact and save it."""
    scan = _scan_or_404(request, pk)
    if scan.status == CardScan.Status.SAVED and scan.contact is not None:
        return redirect(scan.contact)
    if not scan.is_finished:
        return render(request, "cards/scan_detail.html", {"scan": scan, "waiting": True})
    forbid_unless(permissions.can_write(request.user))
    fields = scan.fields
    chosen = _chosen_entity(request, request.GET.get("entity") or request.POST.get("entity"))
    matches = selectors.entity_matches(user=request.user, fields=fields)
    form = CardReviewForm(request.POST or None, fields=fields, matches=matches, chosen=chosen)
    if request.method == "POST" and form.is_valid():
        contact = _save(request, scan, form)
        if contact is not None:
            messages.success(
                request,
                _("%(name)s was added to %(entity)s.")
                % {"name": contact.full_name, "entity": contact.entity.display_name},
            )
            return redirect(contact)
    context = {"scan": scan, "form": form, "matches": matches, "waiting": False}
    return render(request, "cards/scan_detail.html", context)


def _save(
    request: AuthenticatedHttpRequest, scan: CardScan, form: CardReviewForm
) -> Contact | None:
    entity = None
    pk = form.entity_pk()
    if pk is not None:
        entity = _chosen_entity(request, pk)
        if entity is None:
            form.add_error("entity", _("Choose an entity you may add contacts to."))
            return None
    try:
        return services.card_scan_save(
            user=request.user,
            scan=scan,
            entity=entity,
            new_entity=form.new_entity_data() if entity is None else None,
            address=form.address_data() if entity is None else None,
            contact_data=form.contact_data(),
            emails=form.emails_data(),
            phones=form.phones_data(),
            custom=form.custom_data(),
        )
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None
