"""Free-use fields (R20): five per case type, scoped to it, renameable, used on cases."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError

from relata.cases import services
from relata.cases.models import Case, CaseType
from relata.customfields import services as field_services
from relata.customfields.models import FieldDefinition, Target


def test_every_seeded_type_has_the_five_free_use_fields(case_types):
    for code in case_types:
        rows = list(
            FieldDefinition.objects.filter(target=Target.CASE, scope=code)
            .order_by("order")
            .values_list("key", "field_type")
        )
        assert rows == [
            ("free_text_1", "text"),
            ("free_text_2", "text"),
            ("free_number", "decimal"),
            ("free_date", "date"),
            ("free_yes_no", "boolean"),
        ], code


def test_a_new_type_gets_them_once(db):
    case_type = CaseType.objects.create(code="warranty", name_en="Warranty", number_prefix="WAR")
    services.free_fields_seed(case_type)
    services.free_fields_seed(case_type)
    assert FieldDefinition.objects.filter(target=Target.CASE, scope="warranty").count() == 5


def test_free_use_fields_are_stored_typed_on_a_case(make_case):
    case = make_case(
        custom={
            "free_text_1": "Tender 2031/7",
            "free_number": "12.5",
            "free_date": "2031-03-01",
            "free_yes_no": True,
        }
    )
    custom = Case.objects.get(pk=case.pk).custom
    assert custom["free_text_1"] == "Tender 2031/7"
    assert decimal.Decimal(str(custom["free_number"])) == decimal.Decimal("12.5")
    assert custom["free_date"] == datetime.date(2031, 3, 1).isoformat()
    assert custom["free_yes_no"] is True


def test_a_renamed_free_field_keeps_its_values(make_case, admin_user, case_types):
    case = make_case(custom={"free_text_1": "Tender 2031/7"})
    definition = FieldDefinition.objects.get(scope="opportunity", key="free_text_1")
    field_services.field_definition_update(
        user=admin_user, definition=definition, data={"label_en": "Tender reference"}
    )
    assert FieldDefinition.objects.get(pk=definition.pk).label_en == "Tender reference"
    assert Case.objects.get(pk=case.pk).custom["free_text_1"] == "Tender 2031/7"


def test_custom_fields_are_per_type(make_case, admin_user):
    field_services.field_definition_create(
        user=admin_user,
        target=Target.CASE,
        scope="opportunity",
        key="competitor",
        label_en="Competitor",
        field_type="text",
    )
    case = make_case(custom={"competitor": "Globex"})
    assert Case.objects.get(pk=case.pk).custom["competitor"] == "Globex"
    with pytest.raises(ValidationError) as error:
        make_case(case_type="complaint", custom={"competitor": "Globex"})
    assert "custom.competitor" in error.value.message_dict
