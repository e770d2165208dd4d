"""Decide what a received message is about, given lookups into the CRM.

Pure functions: the lookups are callables the caller builds from its models (a contact by
e-mail address, an entity by web/e-mail domain, a sent message by Message-ID, a case by
number), so this module can be tested and reused without a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from relata.mailing.inbound.parsing import ParsedMessage

C = TypeVar("C")
E = TypeVar("E")
T = TypeVar("T")

# Public webmail and ISP domains: a sender there says nothing about their company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.es", "outlook.com", "outlook.es",
        "live.com", "live.es", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "yandex.com", "yandex.ru", "mail.ru", "proton.me", "protonmail.com", "pm.me",
        "gmx.com", "gmx.es", "gmx.de", "gmx.net", "web.de", "zoho.com", "tutanota.com",
        "telefonica.net", "movistar.es", "terra.es", "ono.com", "orange.es", "vodafone.es",
        "wanadoo.es", "ya.com", "qq.com", "163.com", "mail.com", "fastmail.com",
    }
)  # fmt: skip
# Families with a domain per country (yahoo.es, hotmail.co.uk, …).
_FREE_MAIL_FAMILIES = re.compile(
    r"^(yahoo|ymail|rocketmail|hotmail|outlook|live|msn|gmx|aol|orange|libero)\.[a-z.]{2,6}$"
)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def is_free_mail(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    return domain in FREE_MAIL_DOMAINS or bool(_FREE_MAIL_FAMILIES.match(domain))


class SenderKind(StrEnum):
    CONTACT = "contact"  # the address belongs to a known contact
    ENTITY_DOMAIN = "entity_domain"  # unknown person at a known company's domain
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SenderMatch(Generic[C, E]):
    kind: SenderKind
    address: str
    domain: str
    contact: C | None = None
    entity: E | None = None


def match_sender(
    message: ParsedMessage,
    contact_by_address: Callable[[str], C | None],
    entity_by_domain: Callable[[str], E | None],
) -> SenderMatch[C, E]:
    """Known contact (From, then Reply-To), else a known entity by domain, else unknown.

    Free-mail domains never match an entity: many companies' people use gmail.com.
    """
    addresses = [message.from_address, *(a.address for a in message.reply_to)]
    addresses = [a for a in dict.fromkeys(addresses) if a]
    for address in addresses:
        contact = contact_by_address(address)
        if contact is not None:
            return SenderMatch(SenderKind.CONTACT, address, domain_of(address), contact=contact)
    for address in addresses:
        domain = domain_of(address)
        if domain and not is_free_mail(domain):
            entity = entity_by_domain(domain)
            if entity is not None:
                return SenderMatch(SenderKind.ENTITY_DOMAIN, address, domain, entity=entity)
    address = addresses[0] if addresses else ""
    return SenderMatch(SenderKind.UNKNOWN, address, domain_of(address))


class SkipReason(StrEnum):
    LOOP = "loop"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    LIST = "list"
    NO_SENDER = "no_sender"


def skip_reason(message: ParsedMessage) -> SkipReason | None:
    """Why no record (lead, case) may be created from this message; None when it may.

    The message itself is still stored; bounces feed the outbound suppression list.
    """
    if message.is_loop:
        return SkipReason.LOOP
    if message.is_bounce:
        return SkipReason.BOUNCE
    if message.is_auto_reply:
        return SkipReason.AUTO_REPLY
    if message.is_list:
        return SkipReason.LIST
    if not message.from_address:
        return SkipReason.NO_SENDER
    return None


class ThreadKind(StrEnum):
    MESSAGE_ID = "message_id"  # In-Reply-To / References name a message we sent
    CASE_NUMBER = "case_number"  # a case number in the subject


@dataclass(frozen=True)
class Thread(Generic[T]):
    kind: ThreadKind
    key: str
    target: T


def thread_of(
    message: ParsedMessage,
    by_message_id: Callable[[str], T | None],
    by_case_number: Callable[[str], T | None],
) -> Thread[T] | None:
    """What the message answers: In-Reply-To first, then References from the most recent,
    then case numbers in the subject in order; None when nothing is known."""
    candidates = [message.in_reply_to, *reversed(message.references)]
    for message_id in dict.fromkeys(c for c in candidates if c):
        target = by_message_id(message_id)
        if target is not None:
            return Thread(ThreadKind.MESSAGE_ID, message_id, target)
    for number in message.case_numbers_in_subject:
        target = by_case_number(number)
        if target is not None:
            return Thread(ThreadKind.CASE_NUMBER, number, target)
    return None
