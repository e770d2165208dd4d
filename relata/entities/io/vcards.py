"""Contacts as vCards: export of one or many, and import through the contact import.

Export writes vCard 4.0 (RFC 6350) unless 3.0 (RFC 2426) is asked for, with ``N``, ``FN``,
``ORG`` (the entity's legal name, and the department as its unit), ``TITLE``, ``EMAIL``,
``TEL``, ``BDAY``, ``NOTE``, ``LANG`` (4.0 only: 3.0 has no such property), ``UID`` and
``REV``. The main email and phone are marked preferred.

Import reads 2.1, 3.0 and 4.0 cards into the rows of a contact import
(:func:`rows_from_cards`), so that a vCard import is checked, previewed and saved all or
nothing exactly like a spreadsheet; its "row" is the card's position in the file and its
"column" the vCard property.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from relata.entities import vcard
from relata.entities.io.importing import SourceRow
from relata.entities.models import Contact

DEFAULT_VERSION = "4.0"
CONTENT_TYPE = "text/vcard; charset=utf-8"
CHUNK_SIZE = 500

# Contact point labels (free text) that mean a vCard TYPE.
_PHONE_TYPES = {
    "mobile": "cell",
    "movil": "cell",
    "móvil": "cell",
    "cell": "cell",
    "work": "work",
    "trabajo": "work",
    "oficina": "work",
    "home": "home",
    "casa": "home",
    "particular": "home",
    "fax": "fax",
}
_EMAIL_TYPES = {"work": "work", "trabajo": "work", "home": "home", "personal": "home"}
_BASIC_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})")
_EXTENDED_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def version_of(value: str | None) -> str:
    """Return the vCard version asked for: "3.0", or "4.0" for anything else."""
    return "3.0" if (value or "").strip() in ("3", "3.0") else DEFAULT_VERSION


def contact_uid(base: str, pk: int) -> str:
    """Return a contact's stable UID: the same contact exported twice is the same card."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base}/contacts/{pk}')}"


def _types(label: str, known: dict[str, str]) -> list[str]:
    kind = known.get(label.strip().lower())
    return [kind] if kind else []


def contact_card(contact: Contact, *, version: str = DEFAULT_VERSION, uid: str = "") -> vcard.Card:
    """Return ``contact`` as a card; its emails and phones come from the contact list
    selector's prefetch (``email_list``, ``phone_list``) when present."""
    four = version == "4.0"
    card = vcard.Card()
    card.add("VERSION", version)
    card.add("PRODID", vcard.PRODID)
    if uid:
        card.add("UID", uid)
    card.add("FN", vcard.escape(contact.full_name))
    card.add("N", vcard.structured([contact.last_name, contact.first_name, "", "", ""]))
    organisation = [contact.entity.legal_name]
    if contact.department:
        organisation.append(contact.department)
    card.add("ORG", vcard.structured(organisation))
    if contact.job_title:
        card.add("TITLE", vcard.escape(contact.job_title))
    emails = getattr(contact, "email_list", None)
    if emails is None:
        emails = list(contact.emails.order_by("-is_main", "id"))
    for email in emails:
        types = _types(email.label, _EMAIL_TYPES)
        if four:
            params: dict[str, str | list[str]] = {"TYPE": types} if types else {}
            if email.is_main:
                params["PREF"] = "1"
        else:
            params = {"TYPE": ["INTERNET", *types, *(["pref"] if email.is_main else [])]}
        card.add("EMAIL", vcard.escape(email.email), **params)
    phones = getattr(contact, "phone_list", None)
    if phones is None:
        phones = list(contact.phones.order_by("-is_main", "id"))
    for phone in phones:
        types = _types(phone.label, _PHONE_TYPES)
        if four:
            params = {"VALUE": "uri"}
            if types:
                params["TYPE"] = types
            if phone.is_main:
                params["PREF"] = "1"
            card.add("TEL", f"tel:{phone.number}", **params)
        else:
            params = {"TYPE": [*types, *(["pref"] if phone.is_main else [])]}
            card.add("TEL", phone.number, **{k: v for k, v in params.items() if v})
    if contact.birthday:
        card.add("BDAY", contact.birthday.strftime("%Y%m%d" if four else "%Y-%m-%d"))
    if contact.notes:
        card.add("NOTE", vcard.escape(contact.notes))
    if contact.language and four:
        card.add("LANG", contact.language)
    if contact.updated_at:
        moment = contact.updated_at.astimezone(datetime.UTC)
        card.add("REV", moment.strftime("%Y%m%dT%H%M%SZ"))
    return card


def vcard_filename(contacts: list[Contact] | None = None) -> str:
    if contacts and len(contacts) == 1:
        return f"{slugify(contacts[0].full_name) or 'contact'}.vcf"
    return f"contacts-{timezone.localtime():%Y%m%d-%H%M}.vcf"


def vcard_response(
    contacts: Iterable[Contact], *, version: str, uid_base: str, filename: str
) -> StreamingHttpResponse:
    """Return a download of ``contacts`` as one .vcf file, streamed card by card."""

    def cards() -> Iterator[str]:
        for contact in contacts:
            yield vcard.serialize(
                contact_card(contact, version=version, uid=contact_uid(uid_base, contact.pk))
            )

    response = StreamingHttpResponse(cards(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Import ----------------------------------------------------------------------------


def _date_text(value: str) -> str:
    """Return a vCard date (``19800131``, ``1980-01-31``, with or without a time) as ISO;
    dates without a year (``--0131``) are dropped, as a birthday needs one."""
    text = value.strip()
    match = _EXTENDED_DATE.match(text) or _BASIC_DATE.match(text)
    if match:
        return f"{match[1]}-{match[2]}-{match[3]}"
    return "" if text.startswith("--") else text


def _preferred_first(props: list[vcard.Property]) -> list[vcard.Property]:
    return sorted(props, key=lambda p: not p.preferred)


def card_row(card: vcard.Card, number: int) -> SourceRow:
    """Return ``card`` as a row of a contact import (see :mod:`.importing`)."""
    values: dict[str, list[str]] = {}
    columns: dict[str, str] = {}

    def put(key: str, prop_name: str, value: str) -> None:
        columns[key] = prop_name
        value = value.strip()
        if value:
            values.setdefault(key, []).append(value)

    first = last = ""
    if (name := card.first("N")) is not None:
        parts = [*name.components(), "", "", ""]
        last = " ".join(parts[0].replace(",", " ").split())
        first = " ".join(" ".join(parts[1:3]).replace(",", " ").split())
    if not (first or last) and (full := card.first("FN")) is not None:
        first, _space, last = full.text().strip().partition(" ")
    put("first_name", "N", first)
    put("last_name", "N", last)
    if (org := card.first("ORG")) is not None:
        parts = org.components()
        put("entity_name", "ORG", parts[0])
        if len(parts) > 1:
            put("department", "ORG", parts[1])
    else:
        columns["entity_name"] = "ORG"
    if (title := card.first("TITLE")) is not None:
        put("job_title", "TITLE", title.text())
    for email in _preferred_first(card.all("EMAIL")):
        put("email", "EMAIL", email.text())
    for tel in _preferred_first(card.all("TEL")):
        number_text = tel.text().strip()
        if number_text.lower().startswith("tel:"):
            number_text = number_text[4:].split(";", 1)[0]
        put("phone", "TEL", number_text)
    if (bday := card.first("BDAY")) is not None:
        put("birthday", "BDAY", _date_text(bday.text()))
    if (note := card.first("NOTE")) is not None:
        put("notes", "NOTE", note.text())
    languages = _preferred_first(card.all("LANG"))
    if languages:
        put("language", "LANG", languages[0].text())
    return SourceRow(number=number, values=values, columns=columns)


def rows_from_cards(cards: list[vcard.Card]) -> list[SourceRow]:
    return [card_row(card, number) for number, card in enumerate(cards, start=1)]
