"""Services of outbound email: templates, attachments and sending (queueing).

:func:`email_send` renders one message per recipient, records a done "email" action on
each entity's timeline and queues the messages in one transaction; the background worker
(:mod:`relata.mailing.outbox`) sends them after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from relata.actions.ical import contact_email, site_url
from relata.actions.models import Action, ActionStatus, ActionType
from relata.campaigns.models import Campaign
from relata.cases.models import Case
from relata.core import permissions
from relata.core.history import set_history_user
from relata.core.models import User
from relata.core.selectors import default_team
from relata.entities.models import Contact
from relata.mailing import consent
from relata.mailing.models import (
    EmailAttachment,
    EmailStatus,
    EmailTemplate,
    OutgoingEmail,
    Purpose,
    SuppressionReason,
)
from relata.mailing.placeholders import build_context
from relata.mailing.rendering import (
    RenderedMessage,
    TemplateRenderError,
    compile_message,
    validate_template,
)
from relata.mailing.senders import sender_for

TEMPLATE_FIELDS = ("name", "language", "purpose", "subject", "body_html", "body_text", "is_active")
EMAIL_ACTION_TYPE = "email"
DESCRIPTION_MAX = 5000


# --- Templates ---------------------------------------------------------------------------


def _template_save(user: User, template: EmailTemplate, data: dict[str, Any]) -> EmailTemplate:
    permissions.ensure(
        permissions.can_configure(user), _("Only administrators change email templates.")
    )
    for name in TEMPLATE_FIELDS:
        if name in data:
            setattr(template, name, data[name])
    errors = validate_template(
        subject=template.subject, body_html=template.body_html, body_text=template.body_text
    )
    if errors:
        raise ValidationError(errors)
    template.full_clean()
    set_history_user(template, user)
    template.save()
    return template


@transaction.atomic
def template_create(*, user: User, data: dict[str, Any]) -> EmailTemplate:
    """Create a template once it renders against the sample context."""
    return _template_save(user, EmailTemplate(created_by=user), data)


@transaction.atomic
def template_update(*, user: User, template: EmailTemplate, data: dict[str, Any]) -> EmailTemplate:
    """Change a template; it must still render against the sample context."""
    return _template_save(user, template, data)


@transaction.atomic
def template_delete(*, user: User, template: EmailTemplate) -> None:
    """Delete a template; messages sent with it keep their text."""
    permissions.ensure(permissions.can_configure(user))
    set_history_user(template, user)
    template.delete()


# --- Attachments -------------------------------------------------------------------------


@transaction.atomic
def attachment_add(
    *, user: User, upload: UploadedFile, template: EmailTemplate | None = None
) -> EmailAttachment:
    """Keep an uploaded file to send: with a template (administrators) or with one send.

    The file passes the same checks as a case's documents (size, kind by content).
    """
    from relata.cases.documents import check_upload

    if template is not None:
        permissions.ensure(permissions.can_configure(user))
    else:
        permissions.ensure(permissions.can_write(user))
    name, kind = check_upload(upload)
    upload.seek(0)
    attachment = EmailAttachment(
        template=template,
        name=name,
        content_type=kind.content_type,
        size=upload.size or 0,
        uploaded_by=user,
    )
    attachment.file.save(name, upload, save=False)
    stored, storage = attachment.file.name, attachment.file.storage
    try:
        attachment.save()
    except Exception:
        if stored:
            storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, user: User, attachment: EmailAttachment) -> None:
    """Remove a template's file. Messages already queued with it keep it (the file stays
    while a message refers to it)."""
    permissions.ensure(permissions.can_configure(user))
    if attachment.emails.exists():
        attachment.template = None
        attachment.save(update_fields=["template"])
        return
    stored, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)


# --- Sending -----------------------------------------------------------------------------


def site_domain() -> str:
    """The domain of the Message-IDs: the host Relata is reached at."""
    return urlsplit(site_url()).hostname or "localhost"


def sender_addresses(user: User) -> tuple[str, str]:
    """Return (From, Reply-To) of a user's emails (see :mod:`relata.mailing.senders`)."""
    sender = sender_for(user)
    return sender.from_email, sender.reply_to


@dataclass
class SendResult:
    """What :func:`email_send` did: the queued and suppressed messages, the actions, and
    the contacts left out because they have no address."""

    batch: uuid.UUID
    emails: list[OutgoingEmail] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    without_address: list[Contact] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(1 for e in self.emails if e.status == EmailStatus.QUEUED)

    @property
    def suppressed(self) -> int:
        return sum(1 for e in self.emails if e.status == EmailStatus.SUPPRESSED)


def _check_links(
    user: User, contacts: Sequence[Contact], case: Case | None, action: Action | None
) -> None:
    ids = sorted({c.pk for c in contacts})
    visible = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        visible += permissions.scope(user, Contact.objects.filter(pk__in=chunk)).count()
    permissions.ensure(visible == len(ids), _("You cannot see one of the contacts."))
    entity_ids = {c.entity_id for c in contacts}
    errors: dict[str, str] = {}
    if case is not None:
        if not permissions.can_view(user, case):
            errors["case"] = _("You cannot see that case.")
        elif entity_ids != {case.entity_id}:
            errors["case"] = _("The recipients must be contacts of the case's entity.")
    if action is not None:
        if not permissions.can_view(user, action):
            errors["action"] = _("You cannot see that action.")
        elif entity_ids != {action.entity_id}:
            errors["action"] = _("The recipients must be contacts of the action's entity.")
    if errors:
        raise ValidationError(errors)


def _append_unsubscribe(rendered: RenderedMessage, url: str, language: str) -> RenderedMessage:
    """Add a visible unsubscribe link to a marketing message whose template has none."""
    from django.utils.html import format_html

    with translation.override(language):
        label = _("Unsubscribe from these emails")
    html = rendered.html + format_html(
        '<p style="font-size:12px;color:#6c757d;margin-top:24px"><a href="{}">{}</a></p>',
        url,
        label,
    )
    text = f"{rendered.text.rstrip()}\n\n-- \n{label}: {url}\n"
    return RenderedMessage(subject=rendered.subject, html=html, text=text)


def _email_action_type() -> ActionType:
    action_type = ActionType.objects.filter(code=EMAIL_ACTION_TYPE).first()
    if action_type is None:  # renamed or removed by an administrator: recreate it
        action_type = ActionType.objects.create(
            code=EMAIL_ACTION_TYPE, name_en="Email", name_es="Correo electrónico", icon="envelope"
        )
    return action_type


def _actions_for(
    user: User,
    messages: list[OutgoingEmail],
    contacts: dict[int, Contact],
    case: Case | None,
    campaign: Campaign | None = None,
) -> dict[int, Action]:
    """Create one done "email" action per entity of the send; return entity id → action."""
    now = timezone.now()
    action_type = _email_action_type()
    team = default_team(user)
    by_entity: dict[int, list[OutgoingEmail]] = {}
    for message in messages:
        by_entity.setdefault(message.entity_id, []).append(message)
    actions: list[Action] = []
    for entity_id, rows in by_entity.items():
        recipients = ", ".join(
            formataddr((row.to_name, row.to_email)) if row.to_name else row.to_email for row in rows
        )
        lines = [_("To: %(recipients)s") % {"recipients": recipients}]
        skipped = [r for r in rows if r.status == EmailStatus.SUPPRESSED]
        if skipped:
            lines.append(
                _("Not sent to %(recipients)s (no consent).")
                % {"recipients": ", ".join(r.to_email for r in skipped)}
            )
        lines += ["", rows[0].body_text]
        actions.append(
            Action(
                entity_id=entity_id,
                contact=contacts.get(rows[0].contact_id or 0) if len(rows) == 1 else None,
                case=case,
                campaign=campaign,
                type=action_type,
                subject=(_("Email: %(subject)s") % {"subject": rows[0].subject})[:200],
                description="\n".join(lines)[:DESCRIPTION_MAX],
                start=now,
                end=now,
                status=ActionStatus.DONE,
                done_at=now,
                owner=user,
                team=team,
                created_by=user,
            )
        )
    created = bulk_create_with_history(actions, Action, default_user=user)
    return {a.entity_id: a for a in created}


@transaction.atomic
def email_send(
    *,
    user: User,
    contacts: Sequence[Contact],
    template: EmailTemplate | None = None,
    subject: str | None = None,
    body_html: str | None = None,
    body_text: str | None = None,
    is_marketing: bool | None = None,
    case: Case | None = None,
    action: Action | None = None,
    campaign: Campaign | None = None,
    attachments: Sequence[EmailAttachment] = (),
) -> SendResult:
    """Queue one email per contact, record it on the timeline, and send after commit.

    The message is the template's unless ``subject``/``body_html``/``body_text`` are
    given (the user edited it). It is rendered now, per recipient, in the sandbox
    (:mod:`relata.mailing.rendering`); a template error is a ``ValidationError`` on the
    field. Marketing email (the template's purpose, or ``is_marketing``) goes only to
    contacts who accept it and whose address is not suppressed; the others get a row with
    status ``suppressed`` and the reason. A hard-bounced address gets no email at all.
    Contacts without an email address are left out and listed in the result.
    """
    permissions.ensure(permissions.can_write(user), _("You cannot send email."))
    contacts = list(contacts)
    if not contacts:
        raise ValidationError({"contacts": _("Choose at least one recipient.")})
    _check_links(user, contacts, case, action)
    if template is not None and not template.is_active:
        raise ValidationError({"template": _("That template is no longer in use.")})
    source_subject = subject if subject is not None else (template.subject if template else "")
    source_html = body_html if body_html is not None else (template.body_html if template else "")
    source_text = body_text if body_text is not None else (template.body_text if template else "")
    if not source_subject.strip():
        raise ValidationError({"subject": _("Enter a subject.")})
    if not source_html.strip() and not source_text.strip():
        raise ValidationError({"body_html": _("Write the message.")})
    if is_marketing is None:
        is_marketing = template is not None and template.purpose == Purpose.MARKETING
    try:
        compiled = compile_message(
            subject=source_subject, body_html=source_html, body_text=source_text
        )
    except TemplateRenderError as error:
        raise ValidationError({error.field or "body_html": error.user_message}) from None
    language = template.language if template is not None else (user.language or "es")
    has_link = "unsubscribe_url" in source_html

    if template is not None:
        # The template's own files go with every message, before the ones added now.
        attachments = [*template.attachments.all(), *attachments]
    result = SendResult(batch=uuid.uuid4())
    pending = _prefetched(contacts)
    addresses = {c.pk: contact_email(c) for c in pending}
    result.without_address = [c for c in pending if not addresses[c.pk]]
    recipients = [c for c in pending if addresses[c.pk]]
    if not recipients:
        raise ValidationError({"contacts": _("None of the recipients has an email address.")})
    suppressed = consent.suppressed_reasons(list(addresses.values()))
    sender = sender_for(user)
    domain = site_domain()
    now = timezone.now()
    messages: list[OutgoingEmail] = []
    for contact in recipients:
        address = addresses[contact.pk]
        reason = _no_send_reason(contact, address, is_marketing, suppressed)
        url = consent.unsubscribe_url(address, contact.pk) if is_marketing else ""
        context = build_context(
            entity=contact.entity,
            contact=contact,
            email=address,
            case=case,
            action=action,
            sender=user,
            campaign=campaign,
            unsubscribe_url=url,
        )
        try:
            rendered = compiled.render(context)
        except TemplateRenderError as error:
            raise ValidationError({error.field or "body_html": error.user_message}) from None
        if not source_html.strip():
            rendered = RenderedMessage(subject=rendered.subject, html="", text=rendered.text)
        headers: dict[str, str] = {}
        if is_marketing:
            if not has_link:
                rendered = _append_unsubscribe(rendered, url, language)
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        messages.append(
            OutgoingEmail(
                message_id=make_msgid(domain=domain),
                from_email=sender.from_email,
                reply_to=sender.reply_to,
                account=sender.account,
                to_email=address,
                to_name=contact.full_name,
                subject=rendered.subject,
                body_html=rendered.html,
                body_text=rendered.text,
                headers=headers,
                is_marketing=is_marketing,
                status=EmailStatus.SUPPRESSED if reason else EmailStatus.QUEUED,
                last_error=reason,
                next_attempt_at=now,
                entity=contact.entity,
                contact=contact,
                case=case,
                campaign=campaign,
                template=template,
                sent_by=user,
                batch=result.batch,
                created_at=now,
            )
        )
    actions = _actions_for(user, messages, {c.pk: c for c in recipients}, case, campaign)
    for message in messages:
        message.action = actions.get(message.entity_id)
    result.emails = OutgoingEmail.objects.bulk_create(messages, batch_size=500)
    result.actions = list(actions.values())
    if attachments:
        attachments = list({a.pk: a for a in attachments}.values())
        through = OutgoingEmail.attachments.through
        through.objects.bulk_create(
            [
                through(outgoingemail_id=m.pk, emailattachment_id=a.pk)
                for m in result.emails
                for a in attachments
            ],
            batch_size=1000,
        )
    if result.queued:
        transaction.on_commit(_enqueue)
    return result


def _no_send_reason(
    contact: Contact, address: str, is_marketing: bool, suppressed: dict[str, str]
) -> str:
    reason = suppressed.get(address.lower())
    if reason == SuppressionReason.BOUNCED:
        return _("The address bounced before; it receives no more email.")
    if not is_marketing:
        return ""
    if reason:
        return _("The address is on the suppression list (%(reason)s).") % {
            "reason": SuppressionReason(reason).label
        }
    if not contact.email_opt_in:
        return _("The contact does not accept marketing email.")
    return ""


def _prefetched(contacts: list[Contact]) -> list[Contact]:
    """Reload the contacts with what rendering reads, in the order given."""
    pks = [c.pk for c in contacts]
    loaded = {
        c.pk: c
        for c in Contact.objects.filter(pk__in=pks)
        .select_related("entity")
        .prefetch_related("emails", "entity__addresses")
    }
    seen: set[int] = set()
    ordered = []
    for pk in pks:
        if pk in loaded and pk not in seen:
            seen.add(pk)
            ordered.append(loaded[pk])
    return ordered


def _enqueue() -> None:
    from relata.mailing.tasks import outbox_drain

    outbox_drain()


RETRYABLE = (EmailStatus.FAILED, EmailStatus.UNKNOWN)


@transaction.atomic
def email_retry(*, user: User, email: OutgoingEmail) -> OutgoingEmail:
    """Queue a failed message (or one whose fate is unknown after a crash) again.

    It keeps its Message-ID, so a receiver that already got it can tell a repeat. Bounced
    and suppressed messages are not retried: their address must not receive them.
    """
    permissions.ensure(permissions.can_write(user) and permissions.can_view(user, email))
    if email.status not in RETRYABLE:
        raise ValidationError(
            {
                "status": _(
                    "Only failed messages, or those whose sending was interrupted, can be "
                    "sent again."
                )
            }
        )
    updated = OutgoingEmail.objects.filter(pk=email.pk, status=email.status).update(
        status=EmailStatus.QUEUED,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim_token=None,
        claimed_at=None,
        handed_over_at=None,
    )
    email.refresh_from_db()
    if updated:
        transaction.on_commit(_enqueue)
    return email
