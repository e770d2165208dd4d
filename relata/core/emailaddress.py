"""The one email-address validator of Relata: syntax, lengths and normalisation.

Accepted: a mailbox SMTP can deliver to (RFC 5321 §4.1.2, RFC 6531 for non-ASCII, RFC 3696
with errata for the limits). The local part is a dot-string of atext, non-ASCII letters
included, or a quoted string with quoted pairs. The domain is a host name of letters,
digits and inner hyphens, an internationalised one converted by ``idna`` (IDNA 2008 with
the UTS 46 mapping), or an address literal ``[192.0.2.1]`` / ``[IPv6:2001:db8::1]``.
Lengths are counted as SMTP counts them: the local part at most 64 octets of UTF-8, the
domain at most 255 and each label at most 63 in A-label (``xn--``) form, the whole at
most 320 characters.

Refused on purpose:

* comments and folding white space (CFWS) and the other obsolete RFC 5322 forms: they
  belong to message headers, not to a mailbox that is stored and written to;
* a domain without a dot (``name@localhost``): RFC 5321 §2.3.5 allows only fully
  qualified names in SMTP and ICANN forbids mail on bare top-level domains, so such an
  address is a typing mistake; likewise an all-numeric last label (RFC 3696 §2), as an
  IP address must be written in brackets.

Normalisation strips surrounding white space, keeps the local part as typed (only the
receiving server may interpret it) and writes the domain in lower case in its Unicode
form: U-labels as UTS 46 maps them, A-labels left as typed.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Sequence
from typing import Any

import idna
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EMAIL_MAX_LENGTH = 320
LOCAL_PART_MAX_LENGTH = 64
DOMAIN_MAX_LENGTH = 255
LABEL_MAX_LENGTH = 63

MESSAGES = {
    "empty": _("Enter an email address."),
    "too_long": _("An email address can have at most 320 characters (it has %(length)d)."),
    "no_at": _("An email address needs an @ before the domain, as in name@example.com."),
    "too_many_at": _("An email address can contain only one @."),
    "space": _("An email address cannot contain spaces."),
    "local_empty": _("Something must come before the @, as in name@example.com."),
    "local_too_long": _(
        "The part before the @ can have at most 64 characters (it has %(length)d)."
    ),
    "local_invalid": _(
        "The part before the @ is not valid: it can have letters, digits and signs such "
        "as . _ - +, but no brackets, commas or semicolons, no dot at the start or the end, "
        "and no two dots in a row."
    ),
    "domain_empty": _("A domain must come after the @, as in name@example.com."),
    "domain_too_long": _("The domain can have at most 255 characters (it has %(length)d)."),
    "label_too_long": _(
        "Each part of the domain between dots can have at most 63 characters "
        "(“%(label)s” has %(length)d)."
    ),
    "domain_invalid": _(
        "The domain after the @ is not valid: it has letters, digits and hyphens in parts "
        "separated by single dots, as in example.com, and no part starts or ends with a hyphen."
    ),
    "domain_no_dot": _("The domain after the @ needs a dot and an ending, as in example.com."),
    "domain_numeric_tld": _("The domain cannot end in a part made only of digits."),
    "literal_invalid": _("The part between [ and ] is not a valid IP address."),
}

_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~")
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.ASCII)
_IPV6_CHARS = frozenset(string.hexdigits + ":.")


def _fail(code: str, **params: Any) -> ValidationError:
    """Return the error for ``code``, with the numbers its message shows."""
    return ValidationError(MESSAGES[code], code=code, params=params or None)


def _is_utf8_letter(char: str) -> bool:
    """Tell whether a non-ASCII character may appear (RFC 6531 UTF8-non-ascii).

    Invisible and space characters are refused: they come from copy and paste, and make
    two different addresses look the same.
    """
    return ord(char) > 127 and char.isprintable()


def _check_local_part(local: str) -> None:
    """Raise unless ``local`` is an RFC 5321/6531 dot-string or quoted string."""
    if not local:
        raise _fail("local_empty")
    octets = len(local.encode("utf-8", "surrogatepass"))  # lone surrogates fail below
    if octets > LOCAL_PART_MAX_LENGTH:
        raise _fail("local_too_long", length=octets)
    if len(local) >= 2 and local[0] == local[-1] == '"':
        chars = iter(local[1:-1])
        for char in chars:
            if char == "\\":
                # quoted-pairSMTP escapes printable ASCII or space only.
                escaped = next(chars, "")
                if not escaped or not 32 <= ord(escaped) <= 126:
                    raise _fail("local_invalid")
            elif char == '"' or not (32 <= ord(char) <= 126 or _is_utf8_letter(char)):
                raise _fail("local_invalid")
        return
    if any(char.isspace() for char in local):
        raise _fail("space")
    if "@" in local:
        raise _fail("too_many_at")
    for atom in local.split("."):
        if not atom or not all(char in _ATEXT or _is_utf8_letter(char) for char in atom):
            raise _fail("local_invalid")


def _check_address_literal(inner: str) -> None:
    """Raise unless ``inner`` (between the brackets) is an IPv4 or tagged IPv6 address."""
    try:
        if inner[:5].lower() == "ipv6:":
            # ipaddress also takes "%zone" suffixes, which have no meaning in mail.
            if not set(inner[5:]) <= _IPV6_CHARS:
                raise ValueError(inner)
            ipaddress.IPv6Address(inner[5:])
        else:
            ipaddress.IPv4Address(inner)
    except ValueError:
        raise _fail("literal_invalid") from None


def _check_domain_name(domain: str) -> None:
    """Raise unless ``domain`` is a host name whose A-label form is within the limits."""
    if any(char.isspace() for char in domain):
        raise _fail("space")
    try:
        # UTS 46 lower-cases and maps look-alikes and full-width dots; std3 keeps it LDH.
        mapped = domain.lower() if domain.isascii() else idna.uts46_remap(domain)
    except idna.IDNAError:
        raise _fail("domain_invalid") from None
    labels = []
    for label in mapped.split("."):
        if label.isascii():
            if not _LDH_LABEL.fullmatch(label):
                raise _fail("domain_invalid")
            ascii_label = label
        else:
            ascii_label = "xn--" + label.encode("punycode").decode("ascii")
        if len(ascii_label) > LABEL_MAX_LENGTH:
            raise _fail("label_too_long", label=label, length=len(ascii_label))
        if ascii_label.startswith("xn--"):
            try:  # typed and converted A-labels alike: IDNA 2008 code points, bidi, joiners
                idna.ulabel(ascii_label)
            except idna.IDNAError:
                raise _fail("domain_invalid") from None
        labels.append(ascii_label)
    ascii_domain = ".".join(labels)
    if len(ascii_domain) > DOMAIN_MAX_LENGTH:
        raise _fail("domain_too_long", length=len(ascii_domain))
    if len(labels) < 2:
        raise _fail("domain_no_dot")
    if labels[-1].isdigit():
        raise _fail("domain_numeric_tld")


def validate_email_address(value: str) -> None:
    """Raise ``ValidationError`` with a specific code unless ``value`` is a valid address.

    The value is checked as given: surrounding white space is an error here, and
    :func:`normalize_email_address` (run by the form field) is what removes it.
    """
    if not isinstance(value, str) or not value.strip():
        raise _fail("empty")
    if len(value) > EMAIL_MAX_LENGTH:
        raise _fail("too_long", length=len(value))
    local, at, domain = value.rpartition("@")
    if not at:
        raise _fail("no_at")
    _check_local_part(local)
    if not domain:
        raise _fail("domain_empty")
    # No total to check after this: 64 + 1 + 255 octets is exactly the 320 allowed.
    if domain[0] == "[" and domain[-1] == "]":
        _check_address_literal(domain[1:-1])
    else:
        _check_domain_name(domain)


def normalize_email_address(value: str) -> str:
    """Return ``value`` stripped, with its domain lower-cased in its Unicode form.

    Works on any text, valid or not, so a form can normalise before it validates; the
    result of a valid address is valid and normalising it again changes nothing.
    """
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    if domain.startswith("[") and domain.endswith("]"):
        inner = domain[1:-1]
        domain = f"[IPv6:{inner[5:].lower()}]" if inner[:5].lower() == "ipv6:" else domain
    elif domain.isascii():
        domain = domain.lower()
    else:
        try:
            domain = idna.uts46_remap(domain)
        except idna.IDNAError:
            domain = domain.lower()
    return f"{local}@{domain}"


@deconstructible(path="relata.core.emailaddress.EmailAddressValidator")
class EmailAddressValidator:
    """Validator object for model and form fields; it has no options to compare."""

    def __call__(self, value: str) -> None:
        validate_email_address(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EmailAddressValidator)

    def __hash__(self) -> int:
        return hash(EmailAddressValidator)


def _without_max_length_validator(validators: list[Any], max_length: int | None) -> None:
    """Drop Django's length check where ours reports the same with a clearer message.

    The normalised form is never longer than the A-label form we limit to 320, so a
    column of 320 or more always holds it.
    """
    if max_length is not None and max_length >= EMAIL_MAX_LENGTH:
        validators[:] = [v for v in validators if not isinstance(v, MaxLengthValidator)]


class EmailAddressFormField(forms.CharField):
    """Form field that normalises the address, then validates it."""

    widget = forms.EmailInput
    default_validators = [EmailAddressValidator()]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)
        _without_max_length_validator(self.validators, self.max_length)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return value if value in self.empty_values else normalize_email_address(value)


class EmailAddressField(models.CharField):
    """Model field for an email address: 320 characters, validated and normalised."""

    default_validators = [EmailAddressValidator()]
    description = _("Email address")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(*args, **kwargs)
        _without_max_length_validator(self.validators, self.max_length)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        # Leave defaults out so that migrations do not change when the defaults do not.
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == EMAIL_MAX_LENGTH:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        # full_clean() stores what this returns, so the model keeps the normalised form.
        value = super().to_python(value)
        return normalize_email_address(value) if isinstance(value, str) else value

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(**{"form_class": EmailAddressFormField, **kwargs})
