from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from relata.cases import services
from relata.cases.models import Case, CaseSequence


def test_numbers_are_sequential_per_type_and_year(make_case):
    year = timezone.localdate().year
    first = make_case()
    second = make_case()
    complaint = make_case(case_type="complaint")
    assert [first.number, second.number, complaint.number] == [
        f"OPP-{year}-00001",
        f"OPP-{year}-00002",
        f"COMP-{year}-00001",
    ]


def test_a_new_year_starts_again_at_one(case_types):
    opportunity = case_types["opportunity"]
    CaseSequence.objects.create(case_type=opportunity, year=2030, last_value=41)
    assert services.number_allocate(case_type=opportunity, year=2030) == "OPP-2030-00042"
    assert services.number_allocate(case_type=opportunity, year=2031) == "OPP-2031-00001"


def test_many_creations_give_distinct_numbers(make_case):
    numbers = [make_case().number for _ in range(30)]
    assert len(set(numbers)) == 30
    assert Case.objects.count() == 30
    assert CaseSequence.objects.get(case_type__code="opportunity").last_value == 30


# Restores the seeded rows that the flush after a transactional test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creations_on_postgresql_give_distinct_numbers(case_types):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL; this run uses " + connection.vendor)
    opportunity = case_types["opportunity"]
    year = 2032
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8, timeout=5)

    def allocate() -> None:
        from django.db import connections, transaction

        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    numbers.append(services.number_allocate(case_type=opportunity, year=year))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert sorted(numbers) == [f"OPP-{year}-{n:05d}" for n in range(1, 41)]
