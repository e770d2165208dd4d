"""Export of entity and contact lists to CSV and XLSX: columns, values, formula
neutralising, permissions, list filters and a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.io import export_contacts, export_entities
from relata.entities.models import Entity, Sector, Source, Zone
from relata.entities.tests.io_support import io_url

pytestmark = pytest.mark.django_db

ENTITY_HEADER = [
    "ID",
    "Legal name",
    "Trade name",
    "Company or person",
    "Kind",
    "Tax ID",
    "Email",
    "Phone",
    "Street",
    "Postal code",
    "City",
    "Province",
    "Country",
    "Website",
    "Source",
    "Sector",
    "Zone",
    "Owner",
    "Team",
    "Tags",
    "Active",
]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline="")))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def full_entity(user, kind, **data):
    source = Source.objects.create(code="fair", label_en="Trade fair")
    sector = Sector.objects.create(code="food", label_en="Food")
    zone = Zone.objects.create(code="north", label_en="North")
    return services.entity_create(
        user=user,
        data={
            "kind": kind,
            "legal_name": "Aceros del Norte S.L.",
            "trade_name": "Aceros",
            "tax_id": "B12345674",
            "website": "aceros.example",
            "source": source,
            "sector": sector,
            "zone": zone,
            **data,
        },
        emails=[{"email": "info@aceros.example"}, {"email": "sales@aceros.example"}],
        phones=[{"number": "944 123 456"}],
        addresses=[
            {
                "street": "Calle Mayor 1",
                "postal_code": "48001",
                "city": "Bilbao",
                "province": "Bizkaia",
                "is_main": True,
            }
        ],
        tags=["VIP", "Distributor"],
        custom={"budget": {"amount": "12.5", "currency": "EUR"}, "employees": 40},
    )


@pytest.fixture
def custom_fields(admin_user):
    field_definition_create(
        user=admin_user, target="entity", key="budget", label_en="Budget", field_type="money"
    )
    field_definition_create(
        user=admin_user,
        target="entity",
        key="employees",
        label_en="Employees",
        field_type="integer",
        show_in_filters=True,
    )


def test_entity_csv_has_every_column_and_the_stored_values(
    client, admin_user, agent, customer, custom_fields
):
    entity = full_entity(admin_user, customer, owner=agent)
    client.force_login(admin_user)

    response = client.get(io_url("export"), {"target": "entity", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="entities-')
    assert csv_rows(response) == [
        [*ENTITY_HEADER, "Budget", "Employees"],
        [
            str(entity.pk),
            "Aceros del Norte S.L.",
            "Aceros",
            "company",
            "customer",
            "B12345674",
            "info@aceros.example",
            "'+34944123456",
            "Calle Mayor 1",
            "48001",
            "Bilbao",
            "Bizkaia",
            "ES",
            "https://aceros.example",
            "fair",
            "food",
            "north",
            "alex",
            "North",
            "Distributor, VIP",
            "yes",
            "12.50 EUR",
            "40",
        ],
    ]


def test_entity_xlsx_has_the_same_columns_and_values(client, admin_user, customer, custom_fields):
    entity = full_entity(admin_user, customer, is_active=False, is_company=False)
    client.force_login(admin_user)

    response = client.get(io_url("export"), {"target": "entity", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = xlsx_rows(response)
    assert rows[0] == [*ENTITY_HEADER, "Budget", "Employees"]
    assert rows[1] == [
        entity.pk,
        "Aceros del Norte S.L.",
        "Aceros",
        "person",
        "customer",
        "B12345674",
        "info@aceros.example",
        "'+34944123456",
        "Calle Mayor 1",
        "48001",
        "Bilbao",
        "Bizkaia",
        "ES",
        "https://aceros.example",
        "fair",
        "food",
        "north",
        None,
        None,
        "Distributor, VIP",
        "no",
        "12.50 EUR",
        "40",
    ]
    assert len(rows) == 2


def test_formula_cells_are_neutralised_in_csv_and_xlsx(client, admin_user, customer):
    services.entity_create(
        user=admin_user,
        data={
            "kind": customer,
            "legal_name": '=HYPERLINK("http://evil.example","x")',
            "trade_name": "@SUM(1+1)",
        },
        tags=["-2+3", "+cmd|' /C calc'!A0"],
    )
    client.force_login(admin_user)

    csv_row = csv_rows(client.get(io_url("export"), {"target": "entity", "format": "csv"}))[1]
    xlsx_response = client.get(io_url("export"), {"target": "entity", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    cells = next(workbook.worksheets[0].iter_rows(min_row=2, max_row=2))

    assert csv_row[1:3] == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(1+1)"]
    assert csv_row[19] == "'+cmd|' /C calc'!A0, -2+3"
    assert [cells[1].value, cells[2].value, cells[19].value] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'@SUM(1+1)",
        "'+cmd|' /C calc'!A0, -2+3",
    ]
    assert {cells[1].data_type, cells[2].data_type, cells[19].data_type} == {"s"}


def test_agent_exports_only_the_entities_they_may_see(client, agent, other_agent, customer):
    services.entity_create(user=agent, data={"kind": customer, "legal_name": "Mine S.A."})
    services.entity_create(user=other_agent, data={"kind": customer, "legal_name": "Theirs S.A."})
    client.force_login(agent)

    csv_names = [r[1] for r in csv_rows(client.get(io_url("export"), {"format": "csv"}))[1:]]
    xlsx_names = [r[1] for r in xlsx_rows(client.get(io_url("export"), {"format": "xlsx"}))[1:]]

    assert csv_names == ["Mine S.A."]
    assert xlsx_names == ["Mine S.A."]


def test_read_only_user_exports_what_they_see(client, reader, agent, other_agent, customer):
    services.entity_create(user=agent, data={"kind": customer, "legal_name": "Team's S.A."})
    services.entity_create(user=other_agent, data={"kind": customer, "legal_name": "Other S.A."})
    client.force_login(reader)

    rows = csv_rows(client.get(io_url("export"), {"format": "csv"}))

    assert [r[1] for r in rows[1:]] == ["Team's S.A."]


def test_export_follows_the_list_search_filters_and_sort(
    client, admin_user, customer, prospect, custom_fields
):
    for name, kind, active, employees in [
        ("Alfa Norte", customer, True, 10),
        ("Beta Norte", customer, True, 20),
        ("Gamma Norte", prospect, True, 10),
        ("Delta Norte", customer, False, 10),
        ("Epsilon Sur", customer, True, 10),
    ]:
        services.entity_create(
            user=admin_user,
            data={"kind": kind, "legal_name": name, "is_active": active},
            custom={"employees": employees},
        )
    client.force_login(admin_user)

    rows = csv_rows(
        client.get(
            io_url("export"),
            {
                "format": "csv",
                "q": "norte",
                "kind": customer.pk,
                "is_active": "1",
                "cf_employees": "10",
                "sort": "-name",
            },
        )
    )
    everything = csv_rows(client.get(io_url("export"), {"format": "csv", "sort": "-name"}))

    assert [r[1] for r in rows[1:]] == ["Alfa Norte"]
    assert [r[1] for r in everything[1:]] == [
        "Gamma Norte",
        "Epsilon Sur",
        "Delta Norte",
        "Beta Norte",
        "Alfa Norte",
    ]


def test_unknown_format_or_target_is_refused(client, admin_user):
    client.force_login(admin_user)

    assert client.get(io_url("export"), {"format": "pdf"}).status_code == 400
    assert client.get(io_url("export"), {"target": "cases"}).status_code == 400


def test_export_needs_a_login(client):
    response = client.get(io_url("export"), {"format": "csv"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_export_entities_takes_any_queryset_and_scopes_it_to_a_user(agent, other_agent, customer):
    services.entity_create(user=agent, data={"kind": customer, "legal_name": "Mine S.A."})
    services.entity_create(user=other_agent, data={"kind": customer, "legal_name": "Theirs S.A."})
    segment = Entity.objects.prefetch_related("contacts").order_by("legal_name")

    unscoped = csv_rows(export_entities(segment, "csv"))
    scoped = csv_rows(export_entities(segment, "csv", user=agent))

    assert [r[1] for r in unscoped[1:]] == ["Mine S.A.", "Theirs S.A."]
    assert [r[1] for r in scoped[1:]] == ["Mine S.A."]
    with pytest.raises(ValueError, match="unknown export format"):
        export_entities(segment, "ods")


def test_entity_export_runs_the_same_queries_for_two_or_twelve_entities(admin_user, customer):
    def count(n: int) -> int:
        Entity.objects.all().delete()
        for i in range(n):
            services.entity_create(
                user=admin_user,
                data={"kind": customer, "legal_name": f"Entity {i:02d}"},
                emails=[{"email": f"e{i}@example.com"}],
                tags=["A", "B"],
                addresses=[{"city": "Bilbao", "is_main": True}],
            )
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(export_entities(Entity.objects.all(), "csv"))
        assert len(rows) == n + 1
        return len(queries)

    assert count(2) == count(12)


def test_contact_csv_export_has_every_column(client, agent, customer):
    entity = services.entity_create(
        user=agent, data={"kind": customer, "legal_name": "Aceros S.L.", "tax_id": "B12345674"}
    )
    contact = services.contact_create(
        user=agent,
        entity=entity,
        data={
            "first_name": "Ana",
            "last_name": "García López",
            "job_title": "CFO",
            "department": "Finance",
            "language": "es",
            "birthday": "1980-01-31",
            "email_opt_in": True,
        },
        emails=[{"email": "ana@aceros.example"}],
        phones=[{"number": "600 123 456"}],
    )
    client.force_login(agent)

    rows = csv_rows(client.get(io_url("export"), {"target": "contact", "format": "csv"}))

    assert rows == [
        [
            "ID",
            "First name",
            "Last name",
            "Job title",
            "Department",
            "Entity",
            "Entity tax ID",
            "Email",
            "Phone",
            "Language",
            "Birthday",
            "Accepts marketing email",
            "Active",
        ],
        [
            str(contact.pk),
            "Ana",
            "García López",
            "CFO",
            "Finance",
            "Aceros S.L.",
            "B12345674",
            "ana@aceros.example",
            "'+34600123456",
            "es",
            "1980-01-31",
            "yes",
            "yes",
        ],
    ]


def test_contact_export_keeps_to_visible_contacts_and_to_a_selection(
    client, agent, other_agent, customer
):
    mine = services.entity_create(user=agent, data={"kind": customer, "legal_name": "Mine"})
    theirs = services.entity_create(user=other_agent, data={"kind": customer, "legal_name": "T"})
    ana = services.contact_create(user=agent, entity=mine, data={"first_name": "Ana"})
    services.contact_create(user=agent, entity=mine, data={"first_name": "Bea"})
    hidden = services.contact_create(user=other_agent, entity=theirs, data={"first_name": "Olga"})
    client.force_login(agent)

    every = csv_rows(client.get(io_url("export"), {"target": "contact", "format": "csv"}))
    selected = csv_rows(
        client.get(
            io_url("export"),
            {"target": "contact", "format": "csv", "id": [ana.pk, hidden.pk]},
        )
    )

    assert sorted(r[1] for r in every[1:]) == ["Ana", "Bea"]
    assert [r[1] for r in selected[1:]] == ["Ana"]


def test_export_contacts_takes_a_queryset(agent, customer):
    entity = services.entity_create(user=agent, data={"kind": customer, "legal_name": "Mine"})
    services.contact_create(user=agent, entity=entity, data={"first_name": "=cmd"})

    rows = xlsx_rows(export_contacts(entity.contacts.all(), "xlsx"))

    assert rows[1][1] == "'=cmd"
