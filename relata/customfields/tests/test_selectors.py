"""Selectors: the definitions a record gets, list columns, filters, and the cache."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relata.customfields import selectors
from relata.customfields.models import FieldType, Target

pytestmark = pytest.mark.django_db


def test_field_definitions_give_unscoped_fields_first_then_the_scope(make_field):
    make_field("budget", FieldType.MONEY, target=Target.CASE, scope="OPP")
    make_field("priority", FieldType.INTEGER, target=Target.CASE)
    make_field("defect", target=Target.CASE, scope="COMPLAINT")
    make_field("sector", target=Target.ENTITY)

    keys = [d.key for d in selectors.field_definitions(target=Target.CASE, scope="OPP")]
    unscoped = [d.key for d in selectors.field_definitions(target=Target.CASE)]

    assert keys == ["priority", "budget"]
    assert unscoped == ["priority"]


def test_field_definitions_are_cached_until_a_change(make_field):
    make_field("sector")
    selectors.field_definitions(target=Target.ENTITY)

    with CaptureQueriesContext(connection) as cached:
        selectors.field_definitions(target=Target.ENTITY)
    make_field("employees", FieldType.INTEGER)
    keys = [d.key for d in selectors.field_definitions(target=Target.ENTITY)]

    assert len(cached.captured_queries) == 0
    assert keys == ["sector", "employees"]


def test_list_columns_and_filter_fields_pick_their_flags(make_field):
    make_field("sector", show_in_list=True, show_in_filters=True)
    make_field("employees", FieldType.INTEGER, show_in_list=True)
    make_field("tier", FieldType.CHOICE, show_in_filters=True)
    make_field("notes", FieldType.LONG_TEXT)

    columns = [d.key for d in selectors.list_columns(target=Target.ENTITY)]
    filters = [d.key for d in selectors.filter_fields(target=Target.ENTITY)]

    assert columns == ["sector", "employees"]
    assert filters == ["sector", "tier"]
