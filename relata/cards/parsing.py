"""Turn the recognised lines of a business card (or its QR code) into contact fields.

Every field is checked by the library that knows it: emails by the project's RFC 3696
validator, phones by ``phonenumbers`` (which also says mobile or landline, and the
country), tax ids by ``python-stdnum`` through :func:`relata.core.normalize.normalize_tax_id`,
websites by Django's URL validator. What is left (name, job title, company) is decided by
layout and vocabulary: the name is the largest person-like line, confirmed by the email's
local part; the company carries a legal form, matches the email or web domain, or uses a
business word; the job title uses a job word or sits right under the name. Spanish double
surnames are kept together (``Ibáñez Ortega``), with their particles (``Muñoz de la
Torre``), and compound given names (``José Luis``) stay whole.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError

from relata.cards.ocr import Line
from relata.cards.vocabulary import (
    BUSINESS_WORDS,
    COMPOUND_GIVEN,
    FAX_LABELS,
    GIVEN_NAMES,
    JOB_WORDS,
    LEGAL_FORMS,
    MOBILE_LABELS,
    PARTICLES,
    STREET_WORDS,
)
from relata.core.emailaddress import normalize_email_address, validate_email_address
from relata.core.normalize import normalize_tax_id, normalize_url
from relata.entities import vcard

FIELDS = (
    "given_name",
    "family_name",
    "job_title",
    "company",
    "emails",
    "phones",
    "website",
    "address",
    "tax_id",
)

POSTAL_CODE = re.compile(r"\b(\d{5})\b\s+([^\d,]{2,})")
WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)


def plain(text: str) -> str:
    """Return ``text`` lower-case without accents: "Ibáñez" → "ibanez"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", plain(text))


def words_of(text: str) -> list[str]:
    return [plain(w).strip(".'’-") for w in WORD.findall(text)]


@dataclass
class Phone:
    number: str  # E.164
    type: str  # "mobile", "landline" or "fax"
    country: str

    def as_dict(self) -> dict[str, str]:
        return {"number": self.number, "type": self.type, "country": self.country}


@dataclass
class Fields:
    """The proposed fields of a card; ``address_parts`` feeds the entity's address."""

    given_name: str = ""
    family_name: str = ""
    job_title: str = ""
    company: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    website: str = ""
    address: str = ""
    address_parts: dict[str, str] = field(default_factory=dict)
    tax_id: str = ""
    source: str = "ocr"

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as ``relata scan-card --json`` prints them."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "job_title": self.job_title,
            "company": self.company,
            "emails": list(self.emails),
            "phones": [phone.as_dict() for phone in self.phones],
            "website": self.website,
            "address": self.address,
            "tax_id": self.tax_id,
        }

    def merge(self, other: Fields) -> Fields:
        """Fill the empty fields from ``other``; add its emails and phones not yet here."""
        for name in ("given_name", "family_name", "job_title", "company", "website", "tax_id"):
            if not getattr(self, name):
                setattr(self, name, getattr(other, name))
        if not self.address:
            self.address, self.address_parts = other.address, other.address_parts
        for email in other.emails:
            if email.lower() not in {e.lower() for e in self.emails}:
                self.emails.append(email)
        for phone in other.phones:
            if phone.number not in {p.number for p in self.phones}:
                self.phones.append(phone)
        return self


# --- Single fields -----------------------------------------------------------------------


def find_emails(text: str) -> list[str]:
    """Return the valid email addresses in a line, OCR slips mended."""
    found = []
    mended = re.sub(r"\s*(?:@|\(at\)|\[at\]|©)\s*", "@", text)
    mended = re.sub(r"\s*\.\s*(?=[a-z]{2,}\b)", ".", mended) if "@" in mended else mended
    for token in re.split(r"[\s,;|<>()]+", mended):
        if "@" not in token:
            continue
        token = token.split(":")[-1].strip(".,;:'\"")
        try:
            address = normalize_email_address(token)
            validate_email_address(address)
        except ValidationError:
            continue
        found.append(address)
    return found


def phone_type(number: phonenumbers.PhoneNumber, label: str = "") -> str:
    kind = phonenumbers.number_type(number)
    if label in FAX_LABELS:
        return "fax"
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE and label in MOBILE_LABELS:
        return "mobile"
    return "landline"


def _phone_label(text: str) -> str:
    head = plain(text).split(":")[0]
    head = re.split(r"[+\d(]", head)[0]
    return re.sub(r"[^a-z ]", "", head).strip()


def find_phones(text: str, region: str) -> list[Phone]:
    """Return the valid phone numbers in a line, national ones read in ``region``."""
    if "@" in text:
        return []
    # OCR reads O for 0 and l or I for 1 inside numbers.
    mended = re.sub(r"(?<=\d)[Oo](?=[\d\s]|$)|(?<=[\d\s])[Oo](?=\d)", "0", text)
    mended = re.sub(r"(?<=\d)[lI|](?=\d)", "1", mended)
    label = _phone_label(mended)
    phones = []
    for match in phonenumbers.PhoneNumberMatcher(mended, region, phonenumbers.Leniency.VALID):
        number = match.number
        phones.append(
            Phone(
                number=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                type=phone_type(number, label),
                country=phonenumbers.region_code_for_number(number) or "",
            )
        )
    return phones


def find_website(text: str) -> str:
    if "@" in text:
        return ""
    # "www. example.es" and "wvww.example.es": OCR slips around the "www."
    text = re.sub(r"\b[wv]{2,5}\.\s*", "www.", text, flags=re.IGNORECASE)
    for token in text.split():
        token = token.strip(".,;:()'\"")
        lowered = token.lower()
        if lowered.startswith(("http://", "https://", "www.")) or re.fullmatch(
            r"[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|es|eu|net|org|info|io|cat|eus|gal|biz|co|uk|fr|pt|de|it)(/\S*)?",
            lowered,
        ):
            try:
                return normalize_url(lowered)
            except ValidationError:
                continue
    return ""


def find_tax_id(text: str) -> str:
    """Return a valid NIF/CIF/NIE or EU VAT number in the line, compact, or ""."""
    tokens = text.replace(":", " ").split()
    candidates = list(tokens)
    candidates += [a + b for a, b in itertools.pairwise(tokens)]
    for candidate in candidates:
        raw = re.sub(r"[^0-9A-Za-z]", "", candidate)
        if not 8 <= len(raw) <= 14 or sum(c.isdigit() for c in raw) < 7:
            continue
        try:
            return normalize_tax_id(raw)
        except ValidationError:
            continue
    return ""


def is_street(text: str) -> bool:
    words = words_of(text)
    first = plain(text.strip()).split(" ")[0].rstrip(".")
    return bool(words) and (
        words[0] in STREET_WORDS
        or first.startswith("c/")
        or (any(w in STREET_WORDS for w in words[:2]) and any(c.isdigit() for c in text))
    )


# --- Names -------------------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str]:
    """Return (given name, family names) of a full name, Spanish style."""
    words = name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    given_count = 1
    if len(words) >= 3 and plain(words[1]) in COMPOUND_GIVEN and plain(words[1]) not in PARTICLES:
        given_count = 2
    return " ".join(words[:given_count]), " ".join(words[given_count:])


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 6 or any(c.isdigit() for c in text):
        return False
    if any(c in text for c in "@/&|:;,+©"):
        return False
    for word in words:
        bare = word.strip(".")
        if plain(bare) in PARTICLES:
            continue
        if not bare or not bare[0].isupper() or not all(c.isalpha() or c in "-'’." for c in bare):
            return False
    return True


def _nice_case(text: str) -> str:
    """All-capital names become "Title Case"; mixed case stays as printed."""
    if text.isupper():
        return " ".join(
            w.lower() if plain(w) in PARTICLES else w.capitalize() for w in text.split()
        )
    return text


def _domain_likeness(text: str, domains: Iterable[str]) -> float:
    """Return how much of a domain name the line spells (0 to 1)."""
    line = compact(text)
    best = 0.0
    for domain in domains:
        if not domain or not line:
            continue
        match = SequenceMatcher(None, line, domain).find_longest_match(0, len(line), 0, len(domain))
        best = max(best, match.size / len(domain), match.size / len(line) * 0.9)
    return best


def _has_legal_form(text: str) -> bool:
    tokens = re.findall(r"[A-Za-z][A-Za-z.]*", text)
    return any(re.sub(r"[^a-z]", "", t.lower()) in LEGAL_FORMS and len(t) > 1 for t in tokens[1:])


# --- The whole card ----------------------------------------------------------------------


def _is_noise(line: Line) -> bool:
    letters = sum(c.isalpha() for c in line.text)
    return letters < 2 or letters / max(len(line.text), 1) < 0.45 or line.confidence < 45


def _mend(text: str) -> str:
    """Undo OCR slips that no field library catches: "€" for "&", "|" for "I"."""
    text = re.sub(r"(?<=\w) € (?=\w)", " & ", text.strip())
    return re.sub(r"(?<=\w) \| (?=\w)", " I ", text)


DOMAIN = re.compile(r"(?:@\s*|www\.\s*)([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})", re.IGNORECASE)


def _mend_email(text: str, domains: set[str]) -> str:
    """Mend an "@" that OCR read as "O", "(O" or "©" in front of a domain the card shows.

    Only a domain found elsewhere on the card (its website, another address) is trusted,
    so that an ordinary word ending in "o" is never turned into an email address.
    """
    if "@" in text or not domains:
        return text
    joined = re.sub(r"\s*\.\s*", ".", text.strip())
    for token in joined.split():
        bare = token.strip(",;:'\"").split(":")[-1]
        for domain in domains:
            if not bare.lower().endswith(domain) or bare.lower().startswith("www."):
                continue
            local = bare[: -len(domain)]
            if len(local) < 2 or local[-1] not in "OoQ0©®@":
                continue
            local = local[:-1].rstrip("([{")
            if local and re.fullmatch(r"[\w.+-]+", local):
                return joined.replace(token, f"{local}@{domain}")
    return text


def parse_lines(lines: list[Line], region: str = "ES") -> Fields:
    """Return the fields found in a card's recognised lines."""
    fields = Fields()
    rest: list[Line] = []
    postal_index = None
    domains = {m.lower() for line in lines for m in DOMAIN.findall(line.text)}
    for line in lines:
        text = _mend_email(_mend(line.text), domains)
        if not text:
            continue
        line.text = text
        emails = find_emails(text)
        phones = find_phones(text, region)
        website = find_website(text)
        tax_id = find_tax_id(text)
        for email in emails:
            if email not in fields.emails:
                fields.emails.append(email)
        for phone in phones:
            if phone.number not in {p.number for p in fields.phones}:
                fields.phones.append(phone)
        if website and not fields.website:
            fields.website = website
        if tax_id and not fields.tax_id:
            fields.tax_id = tax_id
        if emails or phones or website or tax_id:
            continue
        if postal_index is None and POSTAL_CODE.search(text):
            postal_index = len(rest)
        rest.append(line)

    _take_address(fields, rest, postal_index)
    people = [line for line in rest if not _is_noise(line)]
    labels = [compact(e.split("@")[1].rsplit(".", 1)[0]) for e in fields.emails]
    if fields.website:
        host = fields.website.split("://", 1)[-1].split("/")[0].removeprefix("www.")
        labels.append(compact(host.rsplit(".", 1)[0]))
    locals_ = [plain(e.split("@")[0]) for e in fields.emails]
    tallest = max((line.height for line in people), default=1) or 1

    name_line = _pick_name(people, labels, locals_, tallest)
    if name_line is not None:
        fields.given_name, fields.family_name = split_name(_nice_case(name_line.text))
        people.remove(name_line)
    company_line = _pick_company(people, labels, tallest)
    if company_line is not None:
        fields.company = company_line.text.strip()
        people.remove(company_line)
    title_line = _pick_title(people, name_line)
    if title_line is not None:
        fields.job_title = title_line.text.strip()
    return fields


def _take_address(fields: Fields, rest: list[Line], postal_index: int | None) -> None:
    """Find the street and the postal-code line; remove them from ``rest``."""
    street_line = next((line for line in rest if is_street(line.text)), None)
    postal_line = rest[postal_index] if postal_index is not None else None
    parts: dict[str, str] = {}
    if postal_line is not None:
        match = POSTAL_CODE.search(postal_line.text)
        assert match is not None
        before = postal_line.text[: match.start()].strip(" ,-")
        parts["postal_code"] = match.group(1)
        parts["city"] = match.group(2).strip(" ,.-()")
        if before:
            parts["street"] = before
        rest.remove(postal_line)
    if street_line is not None and "street" not in parts and street_line in rest:
        parts["street"] = street_line.text.strip(" ,")
        rest.remove(street_line)
    if parts:
        fields.address_parts = parts
        fields.address = ", ".join(
            p
            for p in (
                parts.get("street", ""),
                f"{parts.get('postal_code', '')} {parts.get('city', '')}".strip(),
            )
            if p
        )


def _pick_name(
    lines: list[Line], domains: list[str], locals_: list[str], tallest: int
) -> Line | None:
    best, best_score = None, 0.0
    for line in lines:
        text = line.text.strip()
        if not _looks_like_name(text):
            continue
        words = [w for w in words_of(text) if w not in PARTICLES]
        score = 1.0 + 2.0 * line.height / tallest
        if words and words[0] in GIVEN_NAMES:
            score += 2.0
        if any(len(w) >= 3 and any(w in local for local in locals_) for w in words):
            score += 3.0
        if _has_legal_form(text) or any(w in BUSINESS_WORDS for w in words):
            score -= 4.0
        if any(w in JOB_WORDS for w in words):
            score -= 3.0
        if _domain_likeness(text, domains) >= 0.6:
            score -= 2.0
        if score > best_score:
            best, best_score = line, score
    return best if best_score >= 2.5 else None


def _pick_company(lines: list[Line], domains: list[str], tallest: int) -> Line | None:
    best, best_score = None, 0.0
    for line in lines:
        text = line.text.strip()
        words = words_of(text)
        if not words or sum(c.isdigit() for c in text) > 3:
            continue
        score = line.height / tallest
        if _has_legal_form(text):
            score += 4.0
        likeness = _domain_likeness(text, domains)
        if likeness >= 0.5:
            score += 3.0 * likeness
        if any(w in BUSINESS_WORDS for w in words):
            score += 1.5
        if any(w in JOB_WORDS for w in words) and not _has_legal_form(text):
            score -= 2.5
        if score > best_score:
            best, best_score = line, score
    return best if best_score >= 1.4 else None


def _pick_title(lines: list[Line], name_line: Line | None) -> Line | None:
    best, best_score = None, 0.0
    for line in lines:
        text = line.text.strip()
        words = words_of(text)
        if not words or any(c.isdigit() for c in text) or is_street(text):
            continue
        score = 0.0
        if any(w in JOB_WORDS for w in words):
            score += 3.0
        if name_line is not None:
            gap = line.top - name_line.bottom
            same_column = (
                abs(line.left - name_line.left) < 3 * name_line.height
                or abs((line.left + line.width / 2) - (name_line.left + name_line.width / 2))
                < 2 * name_line.height
            )
            if -name_line.height / 2 <= gap <= 2 * name_line.height and same_column:
                score += 2.0
            if line.height > name_line.height:
                score -= 1.0
        if score > best_score:
            best, best_score = line, score
    return best if best_score >= 2.0 else None


# --- QR codes ----------------------------------------------------------------------------


def _phones_from(values: Iterable[tuple[str, str]], region: str) -> list[Phone]:
    phones = []
    for value, label in values:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phones.append(
                Phone(
                    number=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                    type=phone_type(number, label),
                    country=phonenumbers.region_code_for_number(number) or "",
                )
            )
    return phones


def _valid_emails(values: Iterable[str]) -> list[str]:
    emails: list[str] = []
    for value in values:
        found = find_emails(value)
        emails.extend(e for e in found if e not in emails)
    return emails


def _address(street: str, postal_code: str, city: str) -> tuple[str, dict[str, str]]:
    parts = {k: v for k, v in {"street": street, "postal_code": postal_code, "city": city}.items()}
    parts = {k: v.strip() for k, v in parts.items() if v and v.strip()}
    place = f"{parts.get('postal_code', '')} {parts.get('city', '')}".strip()
    return ", ".join(p for p in (parts.get("street", ""), place) if p), parts


def parse_qr(payload: str, region: str = "ES") -> Fields | None:
    """Return the fields of a vCard or MECARD QR payload, or None for anything else."""
    text = payload.strip()
    if text.upper().startswith("BEGIN:VCARD"):
        return _parse_vcard(text, region)
    if text.upper().startswith("MECARD:"):
        return _parse_mecard(text[len("MECARD:") :], region)
    return None


def _parse_vcard(text: str, region: str) -> Fields | None:
    try:
        cards = vcard.parse(text)
    except vcard.VCardError:
        return None
    if not cards:
        return None
    card = cards[0]
    fields = Fields(source="qr")
    name = card.first("N")
    if name is not None:
        parts = [*name.components(), "", ""]
        fields.family_name, fields.given_name = parts[0].strip(), parts[1].strip()
    if not fields.given_name and (full := card.first("FN")) is not None:
        fields.given_name, fields.family_name = split_name(full.text())
    if (org := card.first("ORG")) is not None:
        fields.company = org.components()[0].strip()
    if (title := card.first("TITLE")) is not None:
        fields.job_title = title.text().strip()
    fields.emails = _valid_emails(p.text() for p in card.all("EMAIL"))
    fields.phones = _phones_from(
        (
            (p.text().removeprefix("tel:"), "movil" if "cell" in p.types else "")
            for p in card.all("TEL")
        ),
        region,
    )
    if (url := card.first("URL")) is not None:
        fields.website = find_website(url.text())
    if (adr := card.first("ADR")) is not None:
        parts = adr.components() + [""] * 7
        fields.address, fields.address_parts = _address(parts[2], parts[5], parts[3])
    return fields


def _mecard_items(body: str) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    escaped = False
    current = ""
    for char in body:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            if ":" in current:
                key, value = current.split(":", 1)
                items.append((key.upper(), value))
            current = ""
        else:
            current += char
    return items


def _parse_mecard(body: str, region: str) -> Fields:
    fields = Fields(source="qr")
    items = _mecard_items(body)
    for key, value in items:
        if key == "N" and not fields.given_name:
            family, _comma, given = value.partition(",")
            if given:
                fields.given_name, fields.family_name = given.strip(), family.strip()
            else:
                fields.given_name, fields.family_name = split_name(value)
        elif key == "ORG":
            fields.company = value.strip()
        elif key in ("TITLE", "NOTE") and not fields.job_title and key == "TITLE":
            fields.job_title = value.strip()
        elif key == "URL" and not fields.website:
            fields.website = find_website(value)
        elif key == "ADR" and not fields.address:
            parts = value.split(",") + [""] * 7
            if len(value.split(",")) >= 6:
                fields.address, fields.address_parts = _address(parts[2], parts[5], parts[3])
            else:
                fields.address, fields.address_parts = value.strip(), {"street": value.strip()}
    fields.emails = _valid_emails(v for k, v in items if k == "EMAIL")
    fields.phones = _phones_from(((v, "") for k, v in items if k == "TEL"), region)
    return fields
