"""Pages of import and export: export downloads, the import steps, vCard export and import.

Import steps: upload (``import_start``) → column mapping (``import_mapping``) → dry run
(``import_preview``, GET) → import (``import_preview``, POST). The file waits in storage
and the step's state in the session, under the upload's uuid (see
:mod:`relata.entities.io.uploads`).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from relata.core import permissions
from relata.core.effects import enqueue_on_commit
from relata.core.types import AuthenticatedHttpRequest
from relata.entities import selectors, tasks
from relata.entities.io import jobs, uploads, vcards
from relata.entities.io.export import (
    FORMATS,
    contacts_for_export,
    entities_for_export,
    export_contacts,
    export_entities,
)
from relata.entities.io.fields import CONTACT, ENTITY, TARGETS, guess_mapping, mapping_errors
from relata.entities.io.fields import target_fields as fields_of
from relata.entities.io.forms import MappingForm, UploadForm, VCardUploadForm
from relata.entities.io.jobs import VCARD
from relata.entities.models import Entity, EntityKind


def _imported_message(kind: str, count: int, name: str) -> str:
    if kind == ENTITY:
        text = ngettext(
            "%(count)d entity was imported from “%(name)s”.",
            "%(count)d entities were imported from “%(name)s”.",
            count,
        )
    else:
        text = ngettext(
            "%(count)d contact was imported from “%(name)s”.",
            "%(count)d contacts were imported from “%(name)s”.",
            count,
        )
    return text % {"count": count, "name": name}


# After this long in the queue, the waiting page says the background worker may be down.
SLOW_JOB = datetime.timedelta(seconds=60)


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _params(request: AuthenticatedHttpRequest) -> QueryDict:
    """Return the list parameters: the query string, or the form of a bulk action."""
    return request.POST if request.method == "POST" else request.GET


def _target(value: str | None) -> str:
    return value if value in TARGETS else ENTITY


def _list_url(target: str) -> str:
    return reverse("entities:list" if target == ENTITY else "entities:contact_list")


NS = "entities:entities_io"  # as included by relata/entities/urls.py


def _url(request: AuthenticatedHttpRequest, name: str, *args: Any) -> str:
    return reverse(f"{NS}:{name}", args=args)


def _render(
    request: AuthenticatedHttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    return render(request, template, {**context, "ns": NS})


def _pending(request: AuthenticatedHttpRequest, token: uuid.UUID) -> tuple[uploads.Upload, dict]:
    found = uploads.session_get(request.session, str(token))
    if found is None:
        raise Http404
    return found


def _gone(
    request: AuthenticatedHttpRequest, token: uuid.UUID, error: uploads.UploadError
) -> HttpResponse:
    messages.error(request, error.message)
    uploads.session_drop(request.session, str(token))
    return redirect(_url(request, "import_start"))


# --- Export ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Download the entity or contact list, as filtered, in CSV or XLSX."""
    params = _params(request)
    target, fmt = params.get("target", ENTITY), params.get("format", "csv")
    if target not in TARGETS or fmt not in FORMATS:
        return HttpResponseBadRequest(_("Unknown export."), content_type="text/plain")
    if target == ENTITY:
        return export_entities(entities_for_export(user=request.user, params=params), fmt)
    contacts = contacts_for_export(user=request.user, params=params, ids=params.getlist("id"))
    return export_contacts(contacts, fmt)


@login_required
@require_http_methods(["GET", "POST"])
def vcard_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Download contacts as a .vcf: ``?contact=<id>`` for one, ``?id=…&id=…`` for a
    selection, otherwise the contact list's filters (``q``, ``entity``);
    ``?version=3.0`` for vCard 3.0."""
    params = _params(request)
    version = vcards.version_of(params.get("version"))
    one = params.get("contact", "")
    if one:
        if not one.isdigit():
            raise Http404
        contacts = list(selectors.contact_queryset(user=request.user).filter(pk=int(one)))
        if not contacts:
            raise Http404
        filename = vcards.vcard_filename(contacts)
        source: Any = contacts
    else:
        source = contacts_for_export(
            user=request.user, params=params, ids=params.getlist("id")
        ).iterator(chunk_size=vcards.CHUNK_SIZE)
        filename = vcards.vcard_filename()
    return vcards.vcard_response(
        source,
        version=version,
        uid_base=f"{request.scheme}://{request.get_host()}",
        filename=filename,
    )


# --- Import of CSV and XLSX ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_write(request.user))
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"target": _target(request.GET.get("target"))},
    )
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            upload, table = uploads.store(form.cleaned_data["file"], formats=uploads.TABLE_FORMATS)
        except uploads.UploadError as error:
            form.add_error("file", error.message)
        else:
            assert isinstance(table, uploads.Table)
            uploads.session_put(
                request.session,
                upload,
                target=target,
                mapping=guess_mapping(table.headers, fields_of(target)),
                default_kind=None,
            )
            return redirect(_url(request, "import_mapping", upload.token))
    return _render(request, "entities/io/import_start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthenticatedHttpRequest, token: uuid.UUID) -> HttpResponse:
    _forbid_unless(permissions.can_write(request.user))
    upload, state = _pending(request, token)
    if state["target"] not in TARGETS:
        raise Http404
    try:
        table = uploads.read_table(upload)
    except uploads.UploadError as error:
        return _gone(request, token, error)
    form = MappingForm(
        request.POST or None,
        target=state["target"],
        headers=table.headers,
        fields=fields_of(state["target"]),
        mapping=state["mapping"],
        default_kind=state.get("default_kind"),
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data.get("default_kind")
        uploads.session_put(
            request.session,
            upload,
            mapping=form.mapping(),
            default_kind=kind.pk if kind else None,
            job=None,  # a new mapping needs a new check
        )
        return redirect(_url(request, "import_preview", token))
    columns = [(field, table.samples(index)) for index, field in enumerate(form.column_fields())]
    return _render(
        request,
        "entities/io/import_mapping.html",
        {
            "form": form,
            "columns": columns,
            "upload": upload,
            "target": state["target"],
            "row_count": len(table.rows),
            "token": token,
        },
    )


def _start_job(request: AuthenticatedHttpRequest, upload: uploads.Upload, *, commit: bool) -> None:
    run = jobs.new_run(upload.token, commit=commit)
    uploads.session_put(request.session, upload, job={"run": run, "commit": commit})
    found = uploads.session_get(request.session, upload.token)
    assert found is not None
    enqueue_on_commit(tasks.import_job, found[1], request.user.pk, run, commit)


def _run_page(
    request: AuthenticatedHttpRequest,
    upload: uploads.Upload,
    state: dict[str, Any],
    *,
    page: dict[str, Any],
    done_url: str,
) -> HttpResponse:
    """Answer the check-and-import page of a pending import.

    GET shows the current run: a dry run is started when there is none, a page that
    refreshes itself while it runs, then its report. POST starts the import, once.
    """
    job = state.get("job")
    current = jobs.status(upload.token, job["run"]) if job else None
    if request.method == "POST":
        started = job and job["commit"] and current and current["status"] != jobs.FAILED
        if not started:
            _start_job(request, upload, commit=True)
        return redirect(request.path)
    if current is None:
        _start_job(request, upload, commit=False)
        found = uploads.session_get(request.session, upload.token)
        assert found is not None
        job = found[1]["job"]
        current = jobs.status(upload.token, job["run"])
    context = {**page, "upload": upload, "attempted": bool(job and job["commit"])}
    if current is None or current["status"] in (jobs.QUEUED, jobs.RUNNING, jobs.FAILED):
        waited = (
            timezone.now() - datetime.datetime.fromisoformat(current["queued"])
            if current and current.get("queued")
            else datetime.timedelta(0)
        )
        return _render(
            request,
            "entities/io/import_wait.html",
            {**context, "job": current, "slow": waited > SLOW_JOB},
        )
    report = current["report"]
    if report.committed:
        uploads.session_drop(request.session, upload.token)
        messages.success(
            request, _imported_message(page["imported"], report.created_count, upload.name)
        )
        return redirect(done_url)
    return _render(request, "entities/io/import_preview.html", {**context, "report": report})


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: AuthenticatedHttpRequest, token: uuid.UUID) -> HttpResponse:
    """GET: the dry run (nothing saved) and its report. POST: the import, all rows or none."""
    _forbid_unless(permissions.can_write(request.user))
    upload, state = _pending(request, token)
    target = state["target"]
    if target not in TARGETS:
        raise Http404
    if not state.get("job"):
        # A check is about to start: the file must still be readable and the mapping whole.
        try:
            table = uploads.read_table(upload)
        except uploads.UploadError as error:
            return _gone(request, token, error)
        kind = EntityKind.objects.filter(pk=state.get("default_kind") or 0, is_active=True)
        problems = mapping_errors(
            target=target,
            mapping=state["mapping"],
            headers=table.headers,
            has_default_kind=kind.exists(),
        )
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return redirect(_url(request, "import_mapping", token))
    return _run_page(
        request,
        upload,
        state,
        done_url=_list_url(target),
        page={
            "row_label": _("Row"),
            "vcard": False,
            "title": _("Import entities") if target == ENTITY else _("Import contacts"),
            "imported": target,
            "submit_url": _url(request, "import_preview", token),
            "back_url": _url(request, "import_mapping", token),
            "back_label": _("Change the mapping"),
            "cancel_url": _url(request, "import_cancel", token),
        },
    )


@login_required
@require_POST
def import_cancel(request: AuthenticatedHttpRequest, token: uuid.UUID) -> HttpResponse:
    """Forget a pending import (CSV, XLSX or vCard) and delete its file."""
    found = uploads.session_get(request.session, str(token))
    uploads.session_drop(request.session, str(token))
    messages.info(request, _("The import was cancelled; nothing was saved."))
    if found and found[1].get("target") == VCARD:
        return redirect(_url(request, "vcard_import"))
    target = found[1].get("target", ENTITY) if found else ENTITY
    return redirect(f"{_url(request, 'import_start')}?target={_target(target)}")


# --- Import of vCards ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def vcard_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_write(request.user))
    initial: dict[str, Any] = {}
    entity_id = request.GET.get("entity", "")
    if entity_id.isdigit():
        entity = permissions.scope(request.user, Entity.objects.all()).filter(pk=entity_id).first()
        if entity is not None:
            initial["entity"] = entity.tax_id or entity.legal_name
    form = VCardUploadForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            upload, _cards = uploads.store(form.cleaned_data["file"], formats=("vcf",))
        except uploads.UploadError as error:
            form.add_error("file", error.message)
        else:
            entity = form.cleaned_data.get("entity")
            uploads.session_put(
                request.session, upload, target=VCARD, entity=entity.pk if entity else None
            )
            return redirect(_url(request, "vcard_preview", upload.token))
    return _render(request, "entities/io/vcard_import.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def vcard_preview(request: AuthenticatedHttpRequest, token: uuid.UUID) -> HttpResponse:
    """GET: the cards checked, nothing saved. POST: the contacts saved, all or none."""
    _forbid_unless(permissions.can_write(request.user))
    upload, state = _pending(request, token)
    if state.get("target") != VCARD:
        raise Http404
    entity = None
    if state.get("entity"):
        visible = permissions.scope(request.user, Entity.objects.all())
        entity = visible.filter(pk=state["entity"]).first()
    done_url = _list_url(CONTACT)
    if entity is not None:
        done_url = entity.get_absolute_url()
    return _run_page(
        request,
        upload,
        state,
        done_url=done_url,
        page={
            "row_label": _("Card"),
            "vcard": True,
            "entity": entity,
            "title": _("Import vCards"),
            "imported": CONTACT,
            "submit_url": _url(request, "vcard_preview", token),
            "back_url": _url(request, "vcard_import"),
            "back_label": _("Choose another file"),
            "cancel_url": _url(request, "import_cancel", token),
        },
    )
