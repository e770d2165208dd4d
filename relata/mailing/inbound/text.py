"""Text helpers for the parser: header decoding, charset fallbacks, HTML to plain text."""

from __future__ import annotations

import codecs
import contextlib
import re
from email.header import decode_header, make_header
from email.message import Message
from html.parser import HTMLParser

# Labels that in practice mean Windows-1252 (WHATWG's encoding standard does the same).
_WINDOWS_1252_ALIASES = {"iso8859-1", "ascii", "cp1252"}
_SURROGATES = re.compile(r"[\udc80-\udcff]")


def decode_bytes(data: bytes, charset: str | None, defects: list[str]) -> str:
    """Decode a body with its declared charset, falling back to UTF-8, then Windows-1252.

    Never raises: an unknown label or bytes invalid in the declared charset are recorded in
    `defects` and the next candidate is tried; Latin-1 (which accepts any byte) is last.
    """
    label = (charset or "").strip().strip('"').lower()
    candidates: list[str] = []
    if label:
        try:
            codec = codecs.lookup(label)
        except LookupError:
            defects.append(f"unknown charset {label!r}")
        else:
            if not getattr(codec, "_is_text_encoding", True):
                defects.append(f"charset {label!r} is not a text encoding")
            elif codec.name in _WINDOWS_1252_ALIASES:
                candidates += ["utf-8"] if codec.name == "ascii" else []
                candidates += ["cp1252", "latin-1"]
            else:
                candidates.append(codec.name)
    candidates += ["utf-8", "cp1252", "latin-1"]
    for index, candidate in enumerate(dict.fromkeys(candidates)):
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if index and label and codecs.lookup(candidate).name != _name(label):
            defects.append(f"body is not valid {label!r}: decoded as {candidate}")
        return text
    return data.decode("latin-1")  # pragma: no cover - latin-1 decodes every byte


def _name(label: str) -> str:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return label


def header_str(msg: Message, name: str, defects: list[str]) -> str:
    """The decoded value of the first `name` header, or "" — never raises."""
    try:
        value = msg.get(name)
        if value is None:
            return ""
        text = str(value)
    except Exception as exc:
        defects.append(f"unreadable {name} header: {exc!r}")
        text = _raw_header(msg, name, defects)
    if _SURROGATES.search(text):
        # Raw 8-bit bytes in a header (not RFC 2047 encoded): guess their charset.
        data = text.encode("utf-8", "surrogateescape")
        text = decode_bytes(data, "utf-8", defects)
    return text.strip()


def _raw_header(msg: Message, name: str, defects: list[str]) -> str:
    for key, raw in msg.raw_items():
        if key.lower() == name.lower():
            try:
                return str(make_header(decode_header(str(raw))))
            except Exception:
                return str(raw)
    return ""


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {
        "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "hr", "ul", "ol", "section", "article", "header", "footer",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags, scripts and styles dropped, entities decoded."""
    if not html:
        return ""
    extractor = _TextExtractor()
    with contextlib.suppress(Exception):  # HTMLParser is lenient; keep what was read
        extractor.feed(html)
        extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
