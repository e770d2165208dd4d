"""The placeholders a template may use, as plain dictionaries of strings.

Templates never receive model instances: each record is copied into a dictionary with a
fixed set of keys (:data:`FIELDS`). A record that is absent (a message with no case) gives
the same keys with empty strings, so ``{{ case.number }}`` renders as nothing there, and a
key that does not exist (``{{ contact.salary }}``) is an error in every context, which the
check on save reports.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from relata.actions.models import Action
    from relata.campaigns.models import Campaign
    from relata.cases.models import Case
    from relata.core.models import User
    from relata.entities.models import Contact, Entity

# group → key → description shown in the template editor's help.
FIELDS: dict[str, dict[str, _StrPromise]] = {
    "entity": {
        "name": _("name (trade name, or legal name)"),
        "legal_name": _("legal name"),
        "trade_name": _("trade name"),
        "tax_id": _("tax id"),
        "website": _("website"),
        "street": _("street of the main address"),
        "postal_code": _("postal code"),
        "city": _("city"),
        "province": _("province"),
    },
    "contact": {
        "first_name": _("first name"),
        "last_name": _("last name"),
        "full_name": _("full name"),
        "email": _("email address"),
        "job_title": _("job title"),
        "department": _("department"),
    },
    "case": {
        "number": _("number"),
        "subject": _("subject"),
        "amount": _("amount, with its currency"),
        "status": _("status"),
        "type": _("type"),
    },
    "action": {
        "subject": _("subject"),
        "start": _("date and time"),
        "date": _("date"),
        "location": _("place"),
    },
    "sender": {
        "name": _("your name"),
        "first_name": _("your first name"),
        "email": _("your email address"),
        "phone": _("your phone"),
    },
    "campaign": {"name": _("name"), "code": _("code")},
}
SINGLE: dict[str, _StrPromise] = {
    "unsubscribe_url": _("unsubscribe link (marketing emails)"),
    "today": _("today's date"),
}


def _blank(group: str) -> dict[str, str]:
    return dict.fromkeys(FIELDS[group], "")


def _amount(value: Decimal | None, currency: str) -> str:
    if value is None:
        return ""
    return f"{formats.number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}"


def entity_data(entity: Entity | None) -> dict[str, str]:
    data = _blank("entity")
    if entity is None:
        return data
    data.update(
        name=entity.display_name,
        legal_name=entity.legal_name,
        trade_name=entity.trade_name,
        tax_id=entity.tax_id,
        website=entity.website,
    )
    addresses = list(entity.addresses.all())
    main = next((a for a in addresses if a.is_main), addresses[0] if addresses else None)
    if main is not None:
        data.update(
            street=main.street, postal_code=main.postal_code, city=main.city, province=main.province
        )
    return data


def contact_data(contact: Contact | None, email: str = "") -> dict[str, str]:
    data = _blank("contact")
    if contact is None:
        return data
    data.update(
        first_name=contact.first_name,
        last_name=contact.last_name,
        full_name=contact.full_name,
        email=email,
        job_title=contact.job_title,
        department=contact.department,
    )
    return data


def case_data(case: Case | None) -> dict[str, str]:
    data = _blank("case")
    if case is None:
        return data
    data.update(
        number=case.number,
        subject=case.subject,
        amount=_amount(case.amount, case.currency),
        status=str(case.status),
        type=str(case.case_type),
    )
    return data


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def action_data(action: Action | None) -> dict[str, str]:
    data = _blank("action")
    if action is None:
        return data
    data.update(
        subject=action.subject,
        start=_when(action.start),
        date=formats.date_format(timezone.localtime(action.start).date(), "DATE_FORMAT"),
        location=action.location,
    )
    return data


def sender_data(user: User | None) -> dict[str, str]:
    data = _blank("sender")
    if user is None:
        return data
    data.update(
        name=user.get_full_name() or user.get_username(),
        first_name=user.first_name,
        email=user.email,
        phone=user.phone,
    )
    return data


def campaign_data(campaign: Campaign | None) -> dict[str, str]:
    data = _blank("campaign")
    if campaign is None:
        return data
    data.update(name=campaign.name, code=campaign.code)
    return data


def build_context(
    *,
    entity: Entity | None = None,
    contact: Contact | None = None,
    email: str = "",
    case: Case | None = None,
    action: Action | None = None,
    sender: User | None = None,
    campaign: Campaign | None = None,
    unsubscribe_url: str = "",
) -> dict[str, Any]:
    """Return the template context of one message: dictionaries of strings only."""
    return {
        "entity": entity_data(entity),
        "contact": contact_data(contact, email),
        "case": case_data(case),
        "action": action_data(action),
        "sender": sender_data(sender),
        "campaign": campaign_data(campaign),
        "unsubscribe_url": unsubscribe_url,
        "today": formats.date_format(timezone.localdate(), "DATE_FORMAT"),
    }


def sample_context() -> dict[str, Any]:
    """A context with every placeholder filled, for checking templates when saved."""
    return {
        "entity": {
            "name": "Acme",
            "legal_name": "Acme Trading SL",
            "trade_name": "Acme",
            "tax_id": "B12345678",
            "website": "https://acme.example.com",
            "street": "Calle Mayor 1",
            "postal_code": "28013",
            "city": "Madrid",
            "province": "Madrid",
        },
        "contact": {
            "first_name": "Carmen",
            "last_name": "Ruiz",
            "full_name": "Carmen Ruiz",
            "email": "carmen@example.com",
            "job_title": "Purchasing manager",
            "department": "Purchasing",
        },
        "case": {
            "number": "OPP-2026-0001",
            "subject": "Renewal",
            "amount": "1.234,50 EUR",
            "status": "Proposal",
            "type": "Opportunity",
        },
        "action": {
            "subject": "Visit",
            "start": "1 Dec 2026 10:00",
            "date": "1 Dec 2026",
            "location": "Madrid",
        },
        "sender": {
            "name": "Alex García",
            "first_name": "Alex",
            "email": "alex@example.com",
            "phone": "+34 600 000 000",
        },
        "campaign": {"name": "Spring offer", "code": "spring"},
        "unsubscribe_url": "https://crm.example.com/email/unsubscribe/sample/",
        "today": formats.date_format(timezone.localdate(), "DATE_FORMAT"),
    }
