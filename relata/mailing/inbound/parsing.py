"""Turn the raw bytes of one received email into a `ParsedMessage`.

Built on the stdlib `email` package with `policy.default`. The parser never raises on broken
input: whatever cannot be read is reported in `ParsedMessage.defects` and the rest is kept.
Nothing here touches the database; the caller stores the result (de-duplicating by
`message_id` and `content_hash`).

HTML bodies are attacker-controlled. `ParsedMessage.html` is typed `UntrustedHTML`: it must
never be marked safe or rendered as-is; show `text` or run it through a sanitiser first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import NewType

from relata.mailing.inbound.detection import (
    auto_reply_reason,
    bounce_recipients,
    case_numbers,
    is_bounce_heuristic,
    loop_reason,
)
from relata.mailing.inbound.text import decode_bytes, header_str, html_to_text

UntrustedHTML = NewType("UntrustedHTML", str)
"""HTML written by the sender: never mark it safe, never render it without sanitising."""

DEFAULT_CASE_NUMBER_PATTERN = r"\b[A-Z0-9]{1,10}-\d{4}-\d{5,}\b"
"""Relata case numbers: the case type's prefix, the year and a zero-padded sequence."""

_MESSAGE_ID_RE = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class ParseOptions:
    """Limits and site-specific knowledge for the parser."""

    # Above this size only the headers are parsed (the body is not decoded at all).
    max_message_bytes: int = 50 * 1024 * 1024
    # Attachments larger than this keep their metadata (name, type, size, hash) only.
    max_attachment_bytes: int = 10 * 1024 * 1024
    # Header our outgoing mail carries; a message that has it came from us (a loop).
    loop_header: str = "X-Relata-Loop"
    # Domains of our own Message-IDs (outbound mail) and addresses of our own mailboxes.
    own_message_id_domains: tuple[str, ...] = ()
    own_addresses: tuple[str, ...] = ()
    case_number_pattern: str = DEFAULT_CASE_NUMBER_PATTERN


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # lower-cased

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int  # decoded bytes
    sha256: str
    content_id: str | None  # without the angle brackets
    is_inline: bool
    # None when the attachment is over ParseOptions.max_attachment_bytes (metadata only).
    payload: bytes | None = field(repr=False)

    @property
    def kept(self) -> bool:
        return self.payload is not None


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # normalised: no angle brackets, domain part lower-cased
    message_id_synthesized: bool  # True when the message had none (derived from the hash)
    content_hash: str  # sha256 hex of the raw bytes
    size: int  # raw bytes
    subject: str
    from_address: str
    from_name: str
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None  # aware (UTC when the header has no zone)
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str  # the plain body; derived from the HTML when there is no text part
    html: UntrustedHTML | None
    attachments: tuple[Attachment, ...]
    is_auto_reply: bool
    auto_reply_reason: str
    is_bounce: bool
    bounced_recipients: tuple[str, ...]
    is_list: bool
    list_id: str
    is_loop: bool
    loop_reason: str
    case_numbers_in_subject: tuple[str, ...]
    body_parsed: bool  # False when the message was over max_message_bytes
    defects: tuple[str, ...]


def normalize_message_id(value: str | None) -> str | None:
    """`<Local@Example.COM>` → `Local@example.com`; None when there is no usable id."""
    if not value:
        return None
    match = _MESSAGE_ID_RE.search(value)
    ident = match.group(1) if match else value.strip().split()[0] if value.strip() else ""
    ident = ident.strip("<>")
    if not ident:
        return None
    local, sep, domain = ident.rpartition("@")
    return f"{local}@{domain.lower()}" if sep else ident


def message_id_list(value: str | None) -> tuple[str, ...]:
    """All ids of an In-Reply-To or References header, in order, without duplicates."""
    if not value:
        return ()
    found = [normalize_message_id(f"<{m}>") for m in _MESSAGE_ID_RE.findall(value)]
    return tuple(dict.fromkeys(i for i in found if i))


def synthesized_message_id(content_hash: str) -> str:
    return f"{content_hash[:40]}@synthesized.relata.invalid"


def parse(raw: bytes, options: ParseOptions | None = None) -> ParsedMessage:
    """Parse one message. Never raises on malformed input; see `defects`."""
    options = options or ParseOptions()
    content_hash = hashlib.sha256(raw).hexdigest()
    defects: list[str] = []
    body_parsed = len(raw) <= options.max_message_bytes
    try:
        if body_parsed:
            msg: Message = BytesParser(policy=policy.default).parsebytes(raw)
        else:
            defects.append(f"message over {options.max_message_bytes} bytes: body not parsed")
            msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is a last resort
        defects.append(f"unparseable message: {exc!r}")
        msg = EmailMessage()
        body_parsed = False

    def header(name: str) -> str:
        return header_str(msg, name, defects)

    message_id = normalize_message_id(header("Message-ID"))
    synthesized = message_id is None
    if message_id is None:
        message_id = synthesized_message_id(content_hash)

    senders = _addresses(header("From"), defects)
    sender = senders[0] if senders else Address("", "")
    subject = " ".join(header("Subject").split())
    in_reply = message_id_list(header("In-Reply-To"))

    text: str = ""
    html: UntrustedHTML | None = None
    attachments: tuple[Attachment, ...] = ()
    report: Message | None = None
    if body_parsed:
        text, html, attachments, report = _body(msg, options, defects)
    for defect in _defects(msg):
        defects.append(defect)

    auto = auto_reply_reason(header, subject)
    recipients = bounce_recipients(report, defects) if report is not None else ()
    is_bounce = report is not None or is_bounce_heuristic(header, sender.address, subject)
    loop = loop_reason(header, options, message_id, synthesized, sender.address)
    list_id = header("List-Id")

    return ParsedMessage(
        message_id=message_id,
        message_id_synthesized=synthesized,
        content_hash=content_hash,
        size=len(raw),
        subject=subject,
        from_address=sender.address,
        from_name=sender.name,
        to=_addresses(header("To"), defects),
        cc=_addresses(header("Cc"), defects),
        reply_to=_addresses(header("Reply-To"), defects),
        date=_date(header("Date"), defects),
        in_reply_to=in_reply[0] if in_reply else None,
        references=message_id_list(header("References")),
        text=text,
        html=html,
        attachments=attachments,
        is_auto_reply=bool(auto),
        auto_reply_reason=auto,
        is_bounce=is_bounce,
        bounced_recipients=recipients,
        is_list=bool(list_id),
        list_id=list_id,
        is_loop=bool(loop),
        loop_reason=loop,
        case_numbers_in_subject=case_numbers(subject, options.case_number_pattern),
        body_parsed=body_parsed,
        defects=tuple(dict.fromkeys(defects)),
    )


def _addresses(value: str, defects: list[str]) -> tuple[Address, ...]:
    if not value:
        return ()
    try:
        pairs = getaddresses([value])
    except Exception as exc:
        defects.append(f"unreadable address list {value!r}: {exc!r}")
        return ()
    result = []
    for name, address in pairs:
        address = address.strip().lower()
        if "@" in address:
            result.append(Address(" ".join(name.split()), address))
    return tuple(dict.fromkeys(result))


def _date(value: str, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        defects.append(f"unreadable Date {value!r}: {exc}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _defects(msg: Message) -> Iterator[str]:
    try:
        for part in msg.walk():
            for defect in getattr(part, "defects", ()):
                yield f"{type(defect).__name__}: {defect}"
    except Exception as exc:
        yield f"unwalkable MIME structure: {exc!r}"


def _leaves(part: Message, defects: list[str], depth: int = 0) -> Iterator[Message]:
    """The body parts, not descending into attached messages or delivery reports."""
    if depth > 50:
        defects.append("MIME nesting deeper than 50 levels: truncated")
        return
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else ():
            if isinstance(child, Message):
                yield from _leaves(child, defects, depth + 1)
    else:
        yield part


def _body(
    msg: Message, options: ParseOptions, defects: list[str]
) -> tuple[str, UntrustedHTML | None, tuple[Attachment, ...], Message | None]:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    report: Message | None = None
    for part in _leaves(msg, defects):
        try:
            ctype = part.get_content_type()
            disposition = part.get_content_disposition()
            filename = _filename(part, defects)
            if ctype == "message/delivery-status" and report is None:
                report = part
                continue
            if part.get_content_maintype() == "multipart":
                # A multipart without a usable boundary: its body is all we have; keep it
                # as text (the defect is already recorded by the parser).
                texts.append(_text_of(part, defects))
                continue
            is_body_text = (
                ctype in ("text/plain", "text/html")
                and disposition != "attachment"
                and not filename
            )
            if is_body_text:
                content = _text_of(part, defects)
                (texts if ctype == "text/plain" else htmls).append(content)
                continue
            attachments.append(_attachment(part, ctype, disposition, filename, options))
        except Exception as exc:
            defects.append(f"unreadable part: {exc!r}")
    html = UntrustedHTML("\n".join(htmls)) if htmls else None
    text = "\n".join(t.rstrip() for t in texts) if texts else html_to_text(html or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip("\n"), html, tuple(attachments), report


def _filename(part: Message, defects: list[str]) -> str:
    try:
        name = part.get_filename()
    except Exception as exc:
        defects.append(f"unreadable filename: {exc!r}")
        return ""
    return " ".join(str(name).split()) if name else ""


def _text_of(part: Message, defects: list[str]) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"undecodable text part: {exc!r}")
        data = None
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data, part.get_content_charset(), defects)


def _attachment(
    part: Message, ctype: str, disposition: str | None, filename: str, options: ParseOptions
) -> Attachment:
    if ctype == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        data = first.as_bytes(policy=policy.SMTP) if isinstance(first, Message) else b""
        filename = filename or "message.eml"
    else:
        decoded = part.get_payload(decode=True)
        data = decoded if isinstance(decoded, bytes) else b""
    content_id = normalize_message_id(part.get("Content-ID") and str(part.get("Content-ID")))
    if not filename:
        filename = _default_name(ctype)
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_id=content_id,
        is_inline=disposition == "inline" or (disposition is None and content_id is not None),
        payload=data if len(data) <= options.max_attachment_bytes else None,
    )


def _default_name(ctype: str) -> str:
    main, _, sub = ctype.partition("/")
    return f"{main or 'part'}.{re.sub(r'[^a-z0-9]+', '', sub) or 'bin'}"
