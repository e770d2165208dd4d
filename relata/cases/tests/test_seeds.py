from __future__ import annotations

from relata.cases.models import CaseStatus, CaseType


def test_seeded_types_have_prefixes_and_service_levels(case_types):
    # given the migrated database, then the five types are there with their prefixes
    rows = {
        t.code: (t.number_prefix, t.is_opportunity, t.service_level_hours)
        for t in CaseType.objects.all()
    }
    assert rows == {
        "opportunity": ("OPP", True, None),
        "lead": ("LEAD", False, None),
        "complaint": ("COMP", False, 48),
        "incident": ("INC", False, 24),
        "service_request": ("SRQ", False, 72),
    }


def test_seeded_opportunity_statuses_follow_r17(case_types):
    rows = [
        (s.code, s.name_en, s.default_probability, s.meaning)
        for s in CaseStatus.objects.filter(case_type=case_types["opportunity"]).order_by("order")
    ]
    assert rows == [
        ("identifying_needs", "Identifying needs", 10, "open"),
        ("presenting_solutions", "Presenting solutions", 30, "open"),
        ("decision", "Decision", 60, "open"),
        ("decision_postponed", "Decision postponed", 20, "open"),
        ("won", "Closed won", 100, "won"),
        ("lost", "Closed lost", 0, "lost"),
    ]


def test_every_seeded_type_has_open_and_final_statuses(case_types):
    for case_type in case_types.values():
        meanings = set(case_type.statuses.values_list("meaning", flat=True))
        assert "open" in meanings, case_type.code
        assert meanings - {"open"}, case_type.code


def test_names_follow_the_language(case_types):
    from django.utils import translation

    with translation.override("es"):
        assert case_types["complaint"].name == "Reclamación"
    with translation.override("en"):
        assert case_types["complaint"].name == "Complaint"
