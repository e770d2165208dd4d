"""Duplicate detection: find the entities that a new or imported entity may repeat.

Signals, strongest first: the same tax id, the same email address, the same phone number,
the same web domain (the website's, or a company email's that is not a free-mail
provider's) and a similar name. Every lookup uses an index or a bounded probe, so that a
check stays fast with hundreds of thousands of entities: names are compared in Python only
on the few rows whose legal name starts like the new one (a range on the legal-name
index per spelling of the first word and a half). The website has no index: its check is
one plain scan of that column, tens of milliseconds on 100,000 rows.

A duplicate the user may not see is still reported, without its data: the warning says that
such a record exists ("owned by another team") and nothing else about it.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relata.core import permissions
from relata.core.models import User
from relata.core.normalize import normalize_phone, normalize_tax_id
from relata.entities.models import EmailAddress, Entity, PhoneNumber

NAME_THRESHOLD = 0.85
# Rows read per name probe: enough for every spelling of one name, few enough to stay fast.
NAME_PROBE_ROWS = 200
REPORT_PROBE_ROWS = 25  # fewer in the report, which probes once per recent entity

# How much each signal says on its own; signals combine as independent evidence.
WEIGHTS = {"tax_id": 1.0, "email": 0.95, "phone": 0.9, "domain": 0.75, "name": 0.8}

FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "fastmail.com",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.es",
        "gmx.net",
        "googlemail.com",
        "hey.com",
        "hotmail.com",
        "hotmail.es",
        "hotmail.fr",
        "icloud.com",
        "libero.it",
        "live.com",
        "live.es",
        "mac.com",
        "mail.com",
        "me.com",
        "movistar.es",
        "msn.com",
        "ono.com",
        "orange.es",
        "outlook.com",
        "outlook.es",
        "proton.me",
        "protonmail.com",
        "telefonica.net",
        "terra.es",
        "tutanota.com",
        "vodafone.es",
        "wanadoo.es",
        "web.de",
        "yahoo.com",
        "yahoo.es",
        "yahoo.fr",
        "yandex.com",
        "ymail.com",
        "zoho.com",
    }
)

# Legal forms, written as normalize_name leaves them (lower case, no accents, no dots).
_LEGAL_FORMS = (
    "sociedad limitada unipersonal",
    "sociedad limitada laboral",
    "sociedad limitada",
    "sociedad anonima",
    "sociedad cooperativa",
    "sociedad civil",
    "s coop",
    "coop",
    "slne",
    "slu",
    "sau",
    "sll",
    "slp",
    "sl",
    "sa",
    "sc",
    "scp",
    "cb",
    "sal",
    "srl",
    "sas",
    "sarl",
    "gmbh",
    "ltd",
    "limited",
    "llc",
    "inc",
    "plc",
    "bv",
    "nv",
    "ag",
)
_TRAILING_FORM = re.compile(r"(?:^|\s)(?:" + "|".join(_LEGAL_FORMS) + r")$")
_NOT_WORD = re.compile(r"[^\w\s]+")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65_536)
def normalize_name(name: str) -> str:
    """Return ``name`` lower case, without accents, punctuation and trailing legal forms.

    ``"Aceros García, S.L.U."`` and ``"ACEROS GARCIA SLU"`` both become ``"aceros garcia"``.
    """
    text = strip_accents(name or "").lower().replace(".", "")
    text = " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())
    while True:
        shorter = _TRAILING_FORM.sub("", text).strip()
        if shorter == text or not shorter:
            return text
        text = shorter


def name_similarity(a: str, b: str) -> float:
    """Return how alike two normalised names are, from 0 to 1."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def web_domain(url: str) -> str:
    """Return the host of ``url`` in lower case, without ``www.``; empty when there is none."""
    text = (url or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"https://{text}"
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".").lower()
    return host.removeprefix("www.")


def email_domain(email: str) -> str:
    """Return the domain of an email address in lower case; empty when there is none."""
    _local, at, domain = (email or "").strip().rpartition("@")
    return domain.rstrip(".").lower() if at else ""


def is_company_domain(domain: str) -> bool:
    """Return whether ``domain`` may identify a company (not a free-mail provider's)."""
    return bool(domain) and "." in domain and domain not in FREE_MAIL_DOMAINS


REASON_LABELS = {
    "tax_id": lambda: _("same tax id"),
    "email": lambda: _("same email"),
    "phone": lambda: _("same phone"),
    "domain": lambda: _("same web domain"),
    "name": lambda: _("similar name"),
}


def reason_label(code: str) -> str:
    """Return the translated description of a reason code."""
    label = REASON_LABELS.get(code)
    return label() if label else code


def _score(weights: Iterable[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return round(1.0 - remaining, 3)


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate: the entity (``None`` when the user may not see it), the codes of
    the reasons (``tax_id``, ``email``, ``phone``, ``domain``, ``name``) and a score from 0
    to 1. ``name_similarity`` is the best name ratio when ``name`` is a reason."""

    entity: Entity | None
    reasons: tuple[str, ...]
    score: float
    name_similarity: float = 0.0

    @property
    def visible(self) -> bool:
        return self.entity is not None

    @property
    def reason_labels(self) -> list[str]:
        labels = [reason_label(code) for code in self.reasons]
        if "name" in self.reasons and self.name_similarity:
            index = self.reasons.index("name")
            labels[index] = _("similar name (%(percent)d%%)") % {
                "percent": round(self.name_similarity * 100)
            }
        return labels


@dataclass
class _Match:
    reasons: set[str] = field(default_factory=set)
    similarity: float = 0.0

    def add(self, reason: str, similarity: float = 0.0) -> None:
        self.reasons.add(reason)
        self.similarity = max(self.similarity, similarity)

    def candidate(self, entity: Entity | None) -> Candidate:
        codes = tuple(code for code in WEIGHTS if code in self.reasons)
        weights = [WEIGHTS[code] * (self.similarity if code == "name" else 1.0) for code in codes]
        return Candidate(entity, codes, _score(weights), round(self.similarity, 3))


def _clean_tax_id(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        return normalize_tax_id(text)
    except ValidationError:
        return "".join(text.split()).upper().replace("-", "").replace(".", "")


def _clean_phones(values: Iterable[str]) -> set[str]:
    numbers = set()
    for value in values:
        if not value or not str(value).strip():
            continue
        try:
            numbers.add(normalize_phone(str(value)))
        except ValidationError:
            continue
    return numbers


def _website_variants(domain: str) -> list[str]:
    hosts = (domain, f"www.{domain}")
    return [f"{s}://{h}{end}" for s in ("https", "http") for h in hosts for end in ("", "/")]


def _website_q(domains: Iterable[str], *, with_paths: bool = True) -> Q:
    """Return the filter for websites on one of ``domains``, with or without www and a path.

    The website column has no index: this is one scan of it, with plain comparisons (no
    function per row), which the database does in tens of milliseconds on 100,000 rows.
    """
    domains = sorted(domains)
    q = Q(website__in=[v for d in domains for v in _website_variants(d)])
    for domain in domains if with_paths else ():
        for scheme, host in itertools.product(("https", "http"), (domain, f"www.{domain}")):
            q |= Q(website__startswith=f"{scheme}://{host}/")
    return q


def _name_prefixes(name: str) -> set[str]:
    """Return the prefixes a stored legal name like ``name`` may start with.

    The first word plus two letters of the second, as normalised and as typed (accents
    kept), each in lower case, capitalised, title case and upper case: the legal-name
    index is case-sensitive, and each variant is one cheap range on it.
    """
    words = normalize_name(name).split()
    if not words:
        return set()
    key = words[0] + (f" {words[1][:2]}" if len(words) > 1 else "")
    typed = _NOT_WORD.sub(" ", name.lower().replace(".", "")).split()
    keys = {key}
    if typed:
        typed_key = typed[0] + (f" {typed[1][:2]}" if len(typed) > 1 else "")
        if strip_accents(typed_key) == key:
            keys.add(typed_key)
    return {variant for k in keys for variant in (k, k.capitalize(), k.title(), k.upper())}


def _after(prefix: str) -> str:
    """Return the smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _name_matches(
    names: Sequence[str], exclude_pk: int | None, rows_per_probe: int = NAME_PROBE_ROWS
) -> dict[int, float]:
    """Return ``{entity id: best similarity}`` for names like ``names``, by index probes."""
    targets = {n for n in (normalize_name(name) for name in names) if n}
    if not targets:
        return {}
    prefixes = set().union(*(_name_prefixes(name) for name in names if name))
    ranges = Q()
    for prefix in sorted(prefixes):
        ranges |= Q(legal_name__gte=prefix, legal_name__lt=_after(prefix))
    base = Entity.objects.exclude(pk=exclude_pk) if exclude_pk else Entity.objects.all()
    # One query: each spelling is a range on the legal-name index.
    rows = (
        base.filter(ranges)
        .order_by("legal_name", "pk")
        .values_list("pk", "legal_name", "trade_name")[:rows_per_probe]
    )
    found: dict[int, float] = {}
    for pk, legal_name, trade_name in rows:
        theirs = {normalize_name(legal_name), normalize_name(trade_name)} - {""}
        best = max(name_similarity(a, b) for a in targets for b in theirs)
        if best >= NAME_THRESHOLD:
            found[pk] = best
    return found


def find_duplicates(
    *,
    user: User,
    data: dict[str, Any],
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[Candidate]:
    """Return the entities that may be the one described, strongest first.

    ``data`` holds the entity's fields as typed (``legal_name``, ``trade_name``, ``tax_id``,
    ``website``); ``emails`` and ``phones`` are raw strings (invalid ones are ignored).
    ``exclude_pk`` leaves out the entity being edited. Candidates the user may not see have
    ``entity=None``: show them with :func:`hidden_message`, never their data.
    """
    matches: dict[int, _Match] = {}

    def hit(pks: Iterable[int], reason: str, similarity: float = 0.0) -> None:
        for pk in pks:
            if pk != exclude_pk:
                matches.setdefault(pk, _Match()).add(reason, similarity)

    tax_id = _clean_tax_id(data.get("tax_id"))
    if tax_id:
        # ``exclude`` repeats the unique index's condition, so that SQLite uses the index.
        same = Entity.objects.filter(tax_id=tax_id).exclude(tax_id="").order_by()
        hit(same.values_list("pk", flat=True), "tax_id")

    addresses = {str(e).strip().lower() for e in emails if e and "@" in str(e)}
    if addresses:
        hit(
            EmailAddress.objects.alias(email_lower=Lower("email"))
            .filter(email_lower__in=addresses)
            .order_by()
            .values_list("entity_id", flat=True)
            .distinct(),
            "email",
        )

    numbers = _clean_phones(phones)
    if numbers:
        hit(
            PhoneNumber.objects.filter(number__in=numbers)
            .order_by()
            .values_list("entity_id", flat=True)
            .distinct(),
            "phone",
        )

    domains = {web_domain(str(data.get("website") or ""))} | {email_domain(e) for e in addresses}
    domains = {d for d in domains if is_company_domain(d)}
    if domains:
        hit(
            Entity.objects.filter(_website_q(domains)).order_by().values_list("pk", flat=True),
            "domain",
        )

    names = [str(data.get(k) or "") for k in ("legal_name", "trade_name")]
    for pk, similarity in _name_matches([n for n in names if n.strip()], exclude_pk).items():
        hit([pk], "name", similarity)

    if not matches:
        return []
    ranked = sorted(
        ((match.candidate(None), pk) for pk, match in matches.items()),
        key=lambda item: (-item[0].score, item[1]),
    )[:limit]
    found = permissions.scope(user, Entity.objects.filter(pk__in=[pk for _c, pk in ranked]))
    visible = found.select_related("kind", "owner", "team").in_bulk()
    # Visible candidates first within a score, so the hidden ones read as a footnote.
    candidates = [replace(c, entity=visible.get(pk)) for c, pk in ranked]
    candidates.sort(key=lambda c: (-c.score, not c.visible))
    return candidates


def hidden_message(candidates: Sequence[Candidate]) -> str:
    """Return the warning about duplicates the user may not see; empty when there are none.

    It says why (the reasons) and that another team holds them, and nothing more.
    """
    hidden = [c for c in candidates if not c.visible]
    if not hidden:
        return ""
    codes = [code for code in WEIGHTS if any(code in c.reasons for c in hidden)]
    return ngettext(
        "%(count)d record that you cannot see, owned by another team, matches this one "
        "(%(reasons)s).",
        "%(count)d records that you cannot see, owned by other teams, match this one "
        "(%(reasons)s).",
        len(hidden),
    ) % {"count": len(hidden), "reasons": ", ".join(reason_label(code) for code in codes)}


# --- The "possible duplicates" report -------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    """Two entities the user may see that look alike: ``first.pk < second.pk``."""

    first: Entity
    second: Entity
    reasons: tuple[str, ...]
    score: float
    name_similarity: float = 0.0

    @property
    def reason_labels(self) -> list[str]:
        return Candidate(None, self.reasons, self.score, self.name_similarity).reason_labels


def duplicate_pairs(*, user: User, limit: int = 100, recent: int = 200) -> list[DuplicatePair]:
    """Return pairs of entities ``user`` may see that look like duplicates, strongest first.

    The ``recent`` entities the user may see that changed last (where duplicates appear:
    new, imported and edited records) are compared with every entity, by the same signals
    as :func:`find_duplicates` and in a few indexed queries, so the report costs the same
    whatever the size of the table. Pairs with an entity the user may not see are left out.
    """
    visible = permissions.scope(user, Entity.objects.all())
    rows = list(
        visible.order_by("-updated_at", "-pk").values_list(
            "pk", "legal_name", "trade_name", "tax_id", "website"
        )[:recent]
    )
    if not rows:
        return []
    ids = [row[0] for row in rows]
    found: dict[tuple[int, int], _Match] = {}

    def pair(a: int, b: int, reason: str, similarity: float = 0.0) -> None:
        if a != b:
            found.setdefault((min(a, b), max(a, b)), _Match()).add(reason, similarity)

    def shared(model: Any, key: Any) -> None:
        mine: dict[str, set[int]] = {}
        for pk, value in (
            model.objects.filter(entity_id__in=ids)
            .annotate(key=key)
            .order_by()
            .values_list("entity_id", "key")
        ):
            mine.setdefault(value, set()).add(pk)
        reason = "email" if model is EmailAddress else "phone"
        everyone = (
            model.objects.annotate(key=key)
            .filter(key__in=list(mine))
            .order_by()
            .values_list("key", "entity_id")
            .distinct()
        )
        for value, pk in everyone:
            for own in mine.get(value, ()):
                pair(own, pk, reason)

    shared(EmailAddress, Lower("email"))
    shared(PhoneNumber, F("number"))

    by_domain: dict[str, set[int]] = {}
    for pk, _legal, _trade, _tax, website in rows:
        domain = web_domain(website)
        if is_company_domain(domain):
            by_domain.setdefault(domain, set()).add(pk)
    if by_domain:
        for pk, website in (
            Entity.objects.filter(_website_q(by_domain, with_paths=False))
            .order_by()
            .values_list("pk", "website")
        ):
            for own in by_domain.get(web_domain(website), ()):
                pair(own, pk, "domain")

    probes: dict[tuple[str, str], dict[int, float]] = {}
    for pk, legal_name, trade_name, _tax, _web in rows:
        key = (normalize_name(legal_name), normalize_name(trade_name))
        if key not in probes:
            names = [n for n in (legal_name, trade_name) if n]
            probes[key] = _name_matches(names, None, REPORT_PROBE_ROWS)
        for other, similarity in probes[key].items():
            pair(pk, other, "name", similarity)

    ranked = sorted(
        ((match.candidate(None), key) for key, match in found.items()),
        key=lambda item: (-item[0].score, -item[1][1], -item[1][0]),
    )[: limit * 2]
    wanted = {pk for _c, key in ranked for pk in key}
    entities = visible.filter(pk__in=wanted).select_related("kind", "owner", "team").in_bulk()
    pairs = [
        DuplicatePair(entities[a], entities[b], c.reasons, c.score, c.name_similarity)
        for c, (a, b) in ranked
        if a in entities and b in entities
    ]
    return pairs[:limit]
