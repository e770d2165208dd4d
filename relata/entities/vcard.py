"""The vCard format: reading vCard 2.1, 3.0 (RFC 2426) and 4.0 (RFC 6350), writing 3.0 and 4.0.

Only the text format lives here (content lines, folding, escaping, parameters, quoted-
printable); which properties a contact becomes is in :mod:`relata.entities.io.vcards`.

Written by hand rather than with a library: the part of the format a CRM needs is small and
exactly specified, and the usual library (vobject) writes only 3.0 and knows 4.0's
``VALUE=uri`` telephone numbers and ``PREF`` parameter only partly.

A :class:`Property` keeps its value as it stands in the file (escapes included, after
unfolding and quoted-printable decoding): :meth:`Property.text` and
:meth:`Property.components` undo the escaping, because only the property's type tells
whether a ``;`` separates components (``N``, ``ORG``, ``ADR``) or is plain text.
"""

from __future__ import annotations

import codecs
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

CRLF = "\r\n"
FOLD_OCTETS = 75
VERSIONS = ("3.0", "4.0")
PRODID = "-//Relata//Relata CRM//EN"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_TEXT_ESCAPES = {"\\": "\\", ",": ",", ";": ";", "n": "\n", "N": "\n"}


class VCardError(ValueError):
    """Raised when a file holds no vCard or is not text."""


@dataclass
class Property:
    """One content line: ``[group.]NAME;PARAM=VALUE:value``."""

    name: str
    value: str
    params: dict[str, list[str]] = field(default_factory=dict)
    group: str = ""

    def param(self, name: str) -> list[str]:
        return self.params.get(name.upper(), [])

    @property
    def types(self) -> set[str]:
        """Return the lower-case ``TYPE`` values, however written (``TYPE=work,voice``,
        ``TYPE=work;TYPE=voice``, 2.1's ``WORK;VOICE``)."""
        return {t.strip().lower() for value in self.param("TYPE") for t in value.split(",") if t}

    @property
    def preferred(self) -> bool:
        """Return whether the property is marked preferred (4.0 ``PREF``, 3.0 ``TYPE=pref``)."""
        return bool(self.param("PREF")) or "pref" in self.types

    def text(self) -> str:
        """Return the value as text, escapes undone."""
        return unescape(self.value)

    def components(self) -> list[str]:
        """Return the ``;``-separated components of a structured value, escapes undone."""
        return [unescape(part) for part in split_unescaped(self.value, ";")]


@dataclass
class Card:
    """One ``BEGIN:VCARD`` … ``END:VCARD`` block, its properties in file order."""

    properties: list[Property] = field(default_factory=list)

    @property
    def version(self) -> str:
        prop = self.first("VERSION")
        return prop.value.strip() if prop else ""

    def first(self, name: str) -> Property | None:
        name = name.upper()
        return next((p for p in self.properties if p.name == name), None)

    def all(self, name: str) -> list[Property]:
        name = name.upper()
        return [p for p in self.properties if p.name == name]

    def add(self, name: str, value: str, **params: str | list[str]) -> Property:
        """Append a property whose ``value`` is already escaped (see :func:`escape`)."""
        prop = Property(
            name=name.upper(),
            value=value,
            params={
                key.upper().replace("_", "-"): [v] if isinstance(v, str) else list(v)
                for key, v in params.items()
            },
        )
        self.properties.append(prop)
        return prop


# --- Values ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """Return ``text`` escaped for a TEXT value (RFC 6350 §3.4, RFC 2426 §4)."""
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def structured(parts: Iterable[str]) -> str:
    """Return a structured value (``N``, ``ORG``) from its components, each escaped."""
    return ";".join(escape(part) for part in parts)


def unescape(value: str) -> str:
    """Return a TEXT value with ``\\n``, ``\\,``, ``\\;`` and ``\\\\`` undone.

    An unknown escape keeps its backslash: writers that forget to escape a backslash
    (Windows paths in notes) lose nothing.
    """
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        out.append(_TEXT_ESCAPES.get(following, "\\" + following))
    return "".join(out)


def split_unescaped(value: str, separator: str) -> list[str]:
    """Split ``value`` on ``separator`` where it is not escaped; escapes are kept."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


# --- Reading ---------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Return the text of a vCard file: UTF-8 (or UTF-16 with a byte-order mark), else
    Windows-1252, the usual encoding of older Outlook exports."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise VCardError("not text") from error


def _split_outside_quotes(text: str, separator: str, limit: int = -1) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
            current.append(char)
        elif char == separator and not quoted and (limit < 0 or len(parts) < limit):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _is_quoted_printable(line: str) -> bool:
    head = _split_outside_quotes(line, ":", limit=1)[0]
    return "QUOTED-PRINTABLE" in head.upper()


def _logical_lines(text: str) -> Iterator[str]:
    """Unfold: a line starting with a space or tab continues the previous one.

    In 2.1/3.0 quoted-printable values a line ending in ``=`` continues on the next line
    (a soft line break), whether or not that line is indented.
    """
    current: str | None = None
    for line in _LINE_BREAK.split(text):
        if current is not None and line[:1] in (" ", "\t"):
            current += line[1:]
            continue
        if (
            current is not None
            and current.endswith("=")
            and _is_quoted_printable(current)
            and line  # a blank line ends the value
        ):
            current = current[:-1] + line
            continue
        if current is not None:
            yield current
        current = line
    if current is not None:
        yield current


def _unquote_param(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    # RFC 6868: ^n is a newline, ^' a double quote, ^^ a caret.
    if "^" in value:
        value = re.sub(r"\^(n|N|'|\^)", lambda m: {"'": '"', "^": "^"}.get(m[1], "\n"), value)
    return value


def parse_line(line: str) -> Property | None:
    """Return the property of one unfolded content line, or None when it is not one."""
    parts = _split_outside_quotes(line, ":", limit=1)
    if len(parts) < 2:
        return None
    head, value = parts
    pieces = _split_outside_quotes(head, ";")
    name = pieces[0].strip()
    group = ""
    if "." in name:
        group, name = name.rsplit(".", 1)
    if not _NAME.match(name):
        return None
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        if not piece.strip():
            continue
        if "=" in piece:
            key, raw = piece.split("=", 1)
            values = [_unquote_param(v) for v in _split_outside_quotes(raw, ",")]
        else:  # vCard 2.1 bare parameter: TEL;WORK;VOICE:… means TYPE=WORK,VOICE
            key, values = "TYPE", [piece]
            if piece.upper() in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"):
                key = "ENCODING"
        params.setdefault(key.strip().upper(), []).extend(v.strip() for v in values)
    prop = Property(name=name.upper(), value=value, params=params, group=group)
    if any(e.upper() == "QUOTED-PRINTABLE" for e in prop.param("ENCODING")):
        prop.value = _decode_quoted_printable(value, prop.param("CHARSET"))
        prop.params.pop("ENCODING", None)
    return prop


def _decode_quoted_printable(value: str, charsets: list[str]) -> str:
    raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
    for charset in [*charsets, "utf-8", "cp1252"]:
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")


def parse(text: str) -> list[Card]:
    """Return every card in ``text``; lines outside ``BEGIN:VCARD``/``END:VCARD`` are skipped.

    Raise :class:`VCardError` when there is no card at all.
    """
    cards: list[Card] = []
    current: Card | None = None
    depth = 0
    for line in _logical_lines(text):
        prop = parse_line(line)
        if prop is None:
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            depth += 1
            if depth == 1:
                current = Card()
            continue  # a 2.1 AGENT card nested in another is skipped with its lines
        if prop.name == "END" and prop.value.strip().upper() == "VCARD":
            depth = max(depth - 1, 0)
            if depth == 0 and current is not None:
                cards.append(current)
                current = None
            continue
        if current is not None and depth == 1:
            current.properties.append(prop)
    if not cards:
        raise VCardError("no card")
    return cards


# --- Writing ---------------------------------------------------------------------------


def _param_value(value: str) -> str:
    value = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold(line: str) -> str:
    """Return ``line`` folded into lines of at most 75 octets, never inside a character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= FOLD_OCTETS:
        return line
    pieces: list[str] = []
    limit = FOLD_OCTETS
    start = 0
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        # Step back off UTF-8 continuation bytes (10xxxxxx) so a character stays whole.
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1
        pieces.append(encoded[start:end].decode("utf-8"))
        start = end
        limit = FOLD_OCTETS - 1  # continuation lines begin with a space
    return (CRLF + " ").join(pieces)


def content_line(prop: Property) -> str:
    head = f"{prop.group}.{prop.name}" if prop.group else prop.name
    for key, values in prop.params.items():
        head += f";{key}={','.join(_param_value(v) for v in values)}"
    return fold(f"{head}:{prop.value}") + CRLF


def serialize(card: Card) -> str:
    """Return ``card`` as text: ``BEGIN``, its properties in order, ``END``, CRLF endings."""
    lines = ["BEGIN:VCARD" + CRLF]
    lines.extend(content_line(prop) for prop in card.properties)
    lines.append("END:VCARD" + CRLF)
    return "".join(lines)
