"""values_clean: every type's accepted input and stored form, its errors, defaults, required."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from relata.core.emailaddress import MESSAGES as EMAIL_MESSAGES
from relata.core.services import parameters_update
from relata.customfields.models import FieldType, Target
from relata.customfields.services import values_clean, values_merge

pytestmark = pytest.mark.django_db

T = FieldType
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))
MADRID_SUMMER = datetime.datetime(2025, 7, 1, 10, 0, tzinfo=PLUS_TWO)


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        (T.TEXT, "  Acme   Corp ", "Acme Corp"),
        (T.TEXT, 42, "42"),
        (T.LONG_TEXT, " line 1\r\nline 2 ", "line 1\nline 2"),
        (T.INTEGER, "42", 42),
        (T.INTEGER, " -7 ", -7),
        (T.INTEGER, 12, 12),
        (T.INTEGER, 3.0, 3),
        (T.DECIMAL, "1.50", "1.5"),
        (T.DECIMAL, 2, "2"),
        (T.DECIMAL, 0.1, "0.1"),
        (T.DECIMAL, "1e3", "1000"),
        (T.DECIMAL, Decimal("-0.00"), "0"),
        (T.MONEY, {"amount": "12.5", "currency": "usd"}, {"amount": "12.50", "currency": "USD"}),
        (T.MONEY, "99", {"amount": "99.00", "currency": "EUR"}),
        (T.MONEY, {"amount": 1000, "currency": "JPY"}, {"amount": "1000", "currency": "JPY"}),
        (T.MONEY, {"amount": Decimal("7.1")}, {"amount": "7.10", "currency": "EUR"}),
        (T.DATE, "2025-03-01", "2025-03-01"),
        (T.DATE, datetime.date(2025, 3, 1), "2025-03-01"),
        (T.DATETIME, "2025-03-01T09:30:00+01:00", "2025-03-01T08:30:00+00:00"),
        (T.DATETIME, "2025-03-01T09:30Z", "2025-03-01T09:30:00+00:00"),
        (T.DATETIME, "2025-07-01T10:00", "2025-07-01T08:00:00+00:00"),  # naive: Madrid time
        (T.DATETIME, MADRID_SUMMER, "2025-07-01T08:00:00+00:00"),
        (T.BOOLEAN, True, True),
        (T.BOOLEAN, "false", False),
        (T.BOOLEAN, "sí", True),
        (T.BOOLEAN, 0, False),
        (T.CHOICE, "red", "red"),
        (T.CHOICE, " green ", "green"),
        (T.MULTIPLE_CHOICE, ["blue", "red", "blue"], ["red", "blue"]),
        (T.MULTIPLE_CHOICE, ("green",), ["green"]),
        (T.EMAIL, " Ana.Lopez@Example.COM ", "Ana.Lopez@example.com"),
        (T.URL, "https://example.com/a?b=1", "https://example.com/a?b=1"),
        (T.URL, "example.com", "https://example.com"),
        (T.URL, "http://example.org", "http://example.org"),
        (T.PHONE, "912 34 56 78", "+34912345678"),
        (T.PHONE, "+1 650-253-0000", "+16502530000"),
    ],
)
def test_values_clean_stores_each_type_in_its_form(make_field, field_type, raw, stored):
    make_field("value", field_type)

    cleaned = values_clean(target=Target.ENTITY, data={"value": raw}, partial=True)

    assert cleaned == {"value": stored}


@pytest.mark.parametrize(
    ("field_type", "raw", "message"),
    [
        (T.TEXT, "x" * 256, "Ensure this value has at most 255 characters (it has 256)."),
        (T.TEXT, ["a"], "Enter a text."),
        (
            T.LONG_TEXT,
            "x" * 10_001,
            "Ensure this value has at most 10000 characters (it has 10001).",
        ),
        (T.INTEGER, "3.5", "Enter a whole number."),
        (T.INTEGER, "abc", "Enter a whole number."),
        (T.INTEGER, 3.5, "Enter a whole number."),
        (T.INTEGER, True, "Enter a whole number."),
        (T.INTEGER, 2**63, "The number is too large."),
        (T.DECIMAL, "abc", "Enter a number."),
        (T.DECIMAL, "NaN", "Enter a number."),
        (T.DECIMAL, "0.12345678901", "Ensure that there are no more than 10 decimal places."),
        (
            T.MONEY,
            {"amount": "1.234", "currency": "EUR"},
            "Ensure that there are no more than 2 decimal places.",
        ),
        (T.MONEY, {"amount": "5", "currency": "ZZZ"}, "“ZZZ” is not an ISO 4217 currency code."),
        (T.MONEY, {"amount": "5", "rate": 1}, "Enter an amount and a currency."),
        (T.MONEY, {"amount": "five", "currency": "EUR"}, "Enter a number."),
        (T.DATE, "2025-02-30", "Enter a valid date."),
        (T.DATE, "01/03/2025", "Enter a valid date."),
        (T.DATE, datetime.datetime(2025, 3, 1, 10, 0, tzinfo=datetime.UTC), "Enter a valid date."),
        (T.DATETIME, "tomorrow", "Enter a valid date/time."),
        (T.DATETIME, "2025-03-01", "Enter a valid date/time."),
        (T.DATETIME, "2025-03-01T25:00", "Enter a valid date/time."),
        (T.BOOLEAN, "maybe", "Enter yes or no."),
        (T.BOOLEAN, 2, "Enter yes or no."),
        (T.CHOICE, "purple", "“purple” is not one of the choices."),
        (T.MULTIPLE_CHOICE, "red", "Enter a list of values."),
        (T.MULTIPLE_CHOICE, ["red", "pink"], "“pink” is not one of the choices."),
        (T.EMAIL, "ana", str(EMAIL_MESSAGES["no_at"])),
        (T.EMAIL, "ana@", str(EMAIL_MESSAGES["domain_empty"])),
        (T.URL, "ftp://example.com", "Enter a valid URL."),
        (T.URL, "https://", "Enter a valid URL."),
        (T.PHONE, "12345", "Enter a valid phone number."),
        (T.PHONE, "call me", "Enter a valid phone number."),
    ],
)
def test_values_clean_refuses_bad_values_with_a_message_under_the_key(
    make_field, field_type, raw, message
):
    make_field("value", field_type)

    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.ENTITY, data={"value": raw}, partial=True)

    assert caught.value.message_dict == {"value": [message]}


def test_values_clean_reports_every_bad_key_at_once(make_field):
    make_field("employees", T.INTEGER)
    make_field("website", T.URL)

    with pytest.raises(ValidationError) as caught:
        values_clean(
            target=Target.ENTITY, data={"employees": "many", "website": "x", "colour": "red"}
        )

    assert caught.value.message_dict == {
        "employees": ["Enter a whole number."],
        "website": ["Enter a valid URL."],
        "colour": ["There is no custom field “colour” here."],
    }


def test_values_clean_refuses_keys_of_inactive_fields(make_field, admin_user):
    from relata.customfields.services import field_definition_delete

    field_definition_delete(user=admin_user, definition=make_field("old"))

    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.ENTITY, data={"old": "x"})

    assert caught.value.message_dict == {"old": ["There is no custom field “old” here."]}


def test_values_clean_refuses_what_is_not_an_object(make_field):
    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.ENTITY, data=["x"])  # type: ignore[arg-type]

    assert caught.value.messages == ["Enter an object of field values."]


def test_create_applies_defaults_to_missing_keys_only(make_field):
    make_field("tier", T.CHOICE, default="green")
    make_field("employees", T.INTEGER, default="10")
    make_field("notes", T.TEXT)

    cleaned = values_clean(target=Target.ENTITY, data={"employees": ""})

    assert cleaned == {"tier": "green"}


def test_create_gives_each_record_its_own_copy_of_a_list_default(make_field):
    make_field("tags", T.MULTIPLE_CHOICE, default=["red"])

    first = values_clean(target=Target.ENTITY, data={})
    first["tags"].append("blue")
    second = values_clean(target=Target.ENTITY, data={})

    assert second == {"tags": ["red"]}


def test_create_requires_required_fields_without_default(make_field):
    make_field("sector", T.TEXT, required=True)
    make_field("country_code", T.TEXT, required=True, default="ES")

    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.ENTITY, data={"sector": "  "})

    assert caught.value.message_dict == {"sector": ["This field is required."]}


def test_update_checks_only_given_keys_and_returns_none_to_remove(make_field):
    make_field("sector", T.TEXT, required=True)
    make_field("employees", T.INTEGER)
    make_field("notes", T.TEXT)

    cleaned = values_clean(target=Target.ENTITY, data={"notes": "", "employees": 5}, partial=True)

    assert cleaned == {"notes": None, "employees": 5}


def test_update_refuses_clearing_a_required_field(make_field):
    make_field("sector", T.TEXT, required=True)

    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.ENTITY, data={"sector": None}, partial=True)

    assert caught.value.message_dict == {"sector": ["This field is required."]}


def test_values_merge_applies_changes_and_removals():
    merged = values_merge(
        current={"notes": "old", "employees": 3, "legacy": "kept"},
        cleaned={"notes": None, "employees": 5},
    )

    assert merged == {"employees": 5, "legacy": "kept"}


def test_scoped_records_take_unscoped_fields_and_their_scope_only(make_field):
    make_field("priority", T.INTEGER, target=Target.CASE)
    make_field("budget", T.MONEY, target=Target.CASE, scope="OPP")
    make_field("defect", T.TEXT, target=Target.CASE, scope="COMPLAINT")

    cleaned = values_clean(target=Target.CASE, scope="OPP", data={"priority": "1", "budget": "100"})
    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.CASE, scope="OPP", data={"defect": "scratch"})

    assert cleaned == {"priority": 1, "budget": {"amount": "100.00", "currency": "EUR"}}
    assert caught.value.message_dict == {"defect": ["There is no custom field “defect” here."]}


def test_fields_of_another_target_are_unknown(make_field):
    make_field("birthday", T.DATE, target=Target.CONTACT)

    with pytest.raises(ValidationError) as caught:
        values_clean(target=Target.ENTITY, data={"birthday": "2000-01-01"})

    assert caught.value.message_dict == {"birthday": ["There is no custom field “birthday” here."]}


def test_money_and_phone_follow_the_parameters(make_field, admin_user):
    parameters_update(user=admin_user, data={"default_currency": "USD", "default_country": "US"})
    make_field("price", T.MONEY)
    make_field("mobile", T.PHONE)

    cleaned = values_clean(
        target=Target.ENTITY, data={"price": "7", "mobile": "(650) 253-0000"}, partial=True
    )

    assert cleaned == {"price": {"amount": "7.00", "currency": "USD"}, "mobile": "+16502530000"}
