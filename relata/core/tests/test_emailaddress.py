"""Tests of the email-address validator, against Dominic Sayers' published is_email test set."""

from __future__ import annotations

import string
import xml.etree.ElementTree as ET
from pathlib import Path

import idna
import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from relata.core.emailaddress import (
    EMAIL_MAX_LENGTH,
    EmailAddressField,
    EmailAddressFormField,
    EmailAddressValidator,
    normalize_email_address,
    validate_email_address,
)

CORPUS = Path(__file__).parent / "data" / "isemail_tests.xml"

# is_email calls an address valid below its threshold: these categories.
CORPUS_VALID_CATEGORIES = {"ISEMAIL_VALID_CATEGORY", "ISEMAIL_DNSWARN", "ISEMAIL_RFC5321"}

# Test ids where Relata's policy deliberately differs from the corpus, and why.
DEVIATIONS = {
    "5": (False, "test@io: a domain without a dot is refused (RFC 5321 §2.3.5, FQDN only)"),
    "166": (False, "test@org: a domain without a dot is refused (RFC 5321 §2.3.5)"),
    "23": (False, "test@iana.123: an all-numeric last label is refused (RFC 3696 §2)"),
    "24": (False, "test@255.255.255.255: an IP address must be a literal in brackets"),
    "39": (True, "255 characters: our limit is 320 (64 + 1 + 255), not 254"),
    "40": (True, "257 characters, domain of 255: within our 320 and 255 limits"),
    "71": (True, "IPv6 with '::' for one group is a valid address (RFC 4291) for ipaddress"),
}


def _corpus_cases() -> list[pytest.param]:
    """Return one case per corpus test: (address, expected validity, reason)."""
    cases = []
    for test in ET.parse(CORPUS).getroot().iter("test"):  # noqa: S314 (our own file)
        test_id = test.get("id")
        # The corpus writes control character N as U+2400 + N, as its notes explain.
        address = "".join(
            chr(ord(char) - 0x2400) if 0x2400 <= ord(char) <= 0x241F else char
            for char in test.findtext("address") or ""
        )
        category = test.findtext("category")
        expected, reason = DEVIATIONS.get(
            test_id, (category in CORPUS_VALID_CATEGORIES, test.findtext("diagnosis"))
        )
        cases.append(pytest.param(address, expected, reason, id=f"isemail-{test_id}"))
    return cases


CORPUS_CASES = _corpus_cases()


def _is_valid(value: str) -> bool:
    try:
        validate_email_address(value)
    except ValidationError:
        return False
    return True


def _error(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_email_address(value)
    return caught.value


def test_corpus_is_the_complete_published_set():
    # Given the stored copy of is_email's tests.xml, version 3.05
    # When it is read
    # Then all of its 164 tests are there, and every deviation names one of them
    assert len(CORPUS_CASES) == 164
    assert {f"isemail-{test_id}" for test_id in DEVIATIONS} <= {c.id for c in CORPUS_CASES}


@pytest.mark.parametrize(("address", "expected", "reason"), CORPUS_CASES)
def test_corpus_address_is_classified_as_published(address, expected, reason):
    # Given an address of the corpus and its expected validity for Relata
    # When it is validated
    # Then the validator agrees
    assert _is_valid(address) is expected, reason


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("name.example.com", "no_at"),
        ("@example.com", "local_empty"),
        ("name@", "domain_empty"),
        ("a@b@example.com", "too_many_at"),
        ("john smith@example.com", "space"),
        (" name@example.com", "space"),
        ("name.@example.com", "local_invalid"),
        ("na..me@example.com", "local_invalid"),
        ("(comment)name@example.com", "local_invalid"),
        ('"unclosed@example.com', "local_invalid"),
        ("name@localhost", "domain_no_dot"),
        ("name@example.123", "domain_numeric_tld"),
        ("name@-example.com", "domain_invalid"),
        ("name@exam_ple.com", "domain_invalid"),
        ("name@example..com", "domain_invalid"),
        ("name@example.com.", "domain_invalid"),
        ("name@(comment)example.com", "domain_invalid"),
        ("name@xn--a.com", "domain_invalid"),
        ("name@[192.0.2.256]", "literal_invalid"),
        ("name@[IPv6:fe80::1%eth0]", "literal_invalid"),
        ("name@[example.com]", "literal_invalid"),
    ],
)
def test_invalid_address_is_refused_with_its_own_code(address, code):
    # Given an address with one specific mistake
    # When it is validated
    # Then the error carries the code of that mistake
    assert _error(address).code == code


@pytest.mark.parametrize(
    "address",
    [
        "name@example.com",
        "first.last+tag@sub.example.co.uk",
        '"john smith"@example.com',
        '"quote\\"d"@example.com',
        "name@[192.0.2.1]",
        "name@[IPv6:2001:db8::1]",
        "josé@bücher.example",
        "name@xn--bcher-kva.example",
        "用户@例子.广告",
    ],
)
def test_valid_address_is_accepted(address):
    # Given a valid address, some with quotes, literals or Unicode
    # When it is validated
    # Then no error is raised
    validate_email_address(address)


def test_321_character_address_is_refused_as_too_long():
    # Given an address of 321 characters
    address = "a" * 64 + "@" + ".".join(["b" * 63] * 4) + "c"
    assert len(address) == 321
    # When it is validated
    error = _error(address)
    # Then it is refused as too long, and the message gives the limit and the length
    assert error.code == "too_long"
    assert error.messages == ["An email address can have at most 320 characters (it has 321)."]


def test_65_character_local_part_is_refused_as_too_long():
    # Given an address whose part before the @ has 65 characters
    address = "a" * 65 + "@example.com"
    # When it is validated
    error = _error(address)
    # Then the local part is refused, and the message gives the limit and the length
    assert error.code == "local_too_long"
    assert error.messages == ["The part before the @ can have at most 64 characters (it has 65)."]


def test_320_character_address_is_accepted():
    # Given an address of exactly 320 characters, each part at its limit
    address = "a" * 64 + "@" + ".".join(["b" * 63] * 4)
    assert len(address) == EMAIL_MAX_LENGTH
    # When it is validated, then it is accepted
    validate_email_address(address)


def test_local_part_is_measured_in_utf8_octets():
    # Given a local part of 33 characters that takes 66 octets in UTF-8
    address = "é" * 33 + "@example.com"
    # When it is validated
    error = _error(address)
    # Then it is too long, as SMTP counts it (RFC 6531)
    assert (error.code, error.params) == ("local_too_long", {"length": 66})


def test_idn_label_is_measured_after_punycode_conversion():
    # Given a label of 60 Unicode characters whose A-label has more than 63
    label = "ü" * 60
    a_label = "xn--" + label.encode("punycode").decode("ascii")  # idna refuses to make it
    assert len(a_label) == 66
    # When an address with it is validated
    error = _error(f"name@{label}.example")
    # Then the label is refused with its converted length
    assert (error.code, error.params) == ("label_too_long", {"label": label, "length": 66})


def test_idn_domain_is_measured_after_punycode_conversion():
    # Given a domain of 104 Unicode characters that takes 278 once converted
    label = "".join(chr(0x4E00 + 97 * i) for i in range(16))  # 16 distinct CJK ideographs
    domain = ".".join([label] * 6) + ".cn"
    a_labels = [idna.encode(part, uts46=True) for part in domain.split(".")]
    assert (len(domain), len(b".".join(a_labels))) == (104, 278)
    # When an address with it is validated
    error = _error(f"name@{domain}")
    # Then the domain is refused with its converted length
    assert (error.code, error.params) == ("domain_too_long", {"length": 278})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Name.Surname@Example.COM \n", "Name.Surname@example.com"),
        ("José@BÜCHER.Example", "José@bücher.example"),
        ("name@XN--BCHER-KVA.example", "name@xn--bcher-kva.example"),
        ("name@bücher。example", "name@bücher.example"),
        ("name@[ipv6:2001:DB8::1]", "name@[IPv6:2001:db8::1]"),
        ('"Mixed Case"@Example.com', '"Mixed Case"@example.com'),
    ],
)
def test_normalisation_strips_and_lowercases_the_domain_only(typed, stored):
    # Given an address as a person typed it
    # When it is normalised
    # Then white space is gone, the domain is in lower-case Unicode, the local part as typed
    assert normalize_email_address(typed) == stored


_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~éßøü用"
_atoms = st.text(st.sampled_from(_ATEXT), min_size=1, max_size=12)
_quoted = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10).map(
    lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
_labels = st.text(
    st.sampled_from(string.ascii_letters + string.digits + "-üÖßçΣ。"), min_size=1, max_size=20
)
_domains = st.one_of(
    st.lists(_labels, min_size=1, max_size=5).map(".".join),
    st.sampled_from(["[192.0.2.1]", "[IPv6:2001:DB8::1]", "[ipv6:::]"]),
)
_candidates = st.builds(
    lambda spaces, local, domain: f"{spaces}{local}@{domain}{spaces}",
    st.sampled_from(["", " ", "\t\n"]),
    st.one_of(st.lists(_atoms, min_size=1, max_size=4).map(".".join), _quoted),
    _domains,
)


@given(st.one_of(_candidates, st.text()))
def test_normalised_accepted_address_is_valid_and_stable(value):
    # Given any text, most often address-shaped
    # When it is normalised
    normalised = normalize_email_address(value)
    # Then a valid address stays valid, and normalising again changes nothing
    if _is_valid(value.strip()):
        assert _is_valid(normalised)
        assert normalize_email_address(normalised) == normalised


@given(st.text())
def test_validator_raises_nothing_but_validation_error(value):
    # Given any text at all, when it is validated, then it passes or raises ValidationError
    _is_valid(value)


def test_model_field_deconstructs_without_its_defaults():
    # Given an email field with default length and validators
    field = EmailAddressField("email address", blank=True)
    # When it is deconstructed and rebuilt
    name, path, args, kwargs = field.deconstruct()
    rebuilt = EmailAddressField(*args, **kwargs)
    # Then migrations see only the options given, and the same again after rebuilding
    assert (path, args, kwargs) == (
        "relata.core.emailaddress.EmailAddressField",
        [],
        {"verbose_name": "email address", "blank": True},
    )
    assert rebuilt.deconstruct() == (name, path, args, kwargs)
    assert EmailAddressField(max_length=254).deconstruct()[3] == {"max_length": 254}


def test_validator_deconstructs_and_compares_equal():
    # Given two validator objects, when they are deconstructed and compared
    # Then they are equal and deconstruct to the importable path without options
    assert EmailAddressValidator() == EmailAddressValidator()
    assert EmailAddressValidator().deconstruct() == (
        "relata.core.emailaddress.EmailAddressValidator",
        (),
        {},
    )


def test_model_field_cleans_to_the_normalised_address():
    # Given the model field, when it cleans a typed address
    # Then it returns the normalised form that full_clean() stores
    assert EmailAddressField().clean(" Name@Example.COM ", None) == "Name@example.com"


def test_model_field_gives_one_message_for_an_over_long_address():
    # Given the model field and a 321-character address
    address = "a" * 64 + "@" + ".".join(["b" * 63] * 4) + "c"
    # When it is cleaned
    with pytest.raises(ValidationError) as caught:
        EmailAddressField().clean(address, None)
    # Then only our message is shown, not Django's max_length one as well
    assert caught.value.messages == [
        "An email address can have at most 320 characters (it has 321)."
    ]


class _ContactForm(forms.Form):
    email = EmailAddressField().formfield()


def test_form_field_is_an_email_input_of_320_characters():
    # Given the form field made by the model field
    field = _ContactForm.base_fields["email"]
    # Then it is our field, shown as an email input limited to 320 characters
    assert isinstance(field, EmailAddressFormField)
    assert isinstance(field.widget, forms.EmailInput)
    assert field.widget.attrs["maxlength"] == "320"


def test_form_shows_the_specific_message():
    # Given a form with an address missing its dot in the domain
    form = _ContactForm(data={"email": "name@localhost"})
    # When it is validated
    # Then the form shows our specific message for that field
    assert not form.is_valid()
    assert form.errors["email"] == [
        "The domain after the @ needs a dot and an ending, as in example.com."
    ]


def test_form_normalises_a_valid_address():
    # Given a form with a valid address typed with spaces and capitals
    form = _ContactForm(data={"email": "  Name@Example.COM  "})
    # When it is validated, then it is valid and cleaned to the normalised form
    assert form.is_valid()
    assert form.cleaned_data["email"] == "Name@example.com"


def test_form_gives_one_message_for_an_over_long_address():
    # Given a form with a 321-character address
    form = _ContactForm(data={"email": "a" * 64 + "@" + ".".join(["b" * 63] * 4) + "c"})
    # When it is validated, then only our message is shown
    assert not form.is_valid()
    assert form.errors["email"] == [
        "An email address can have at most 320 characters (it has 321)."
    ]
