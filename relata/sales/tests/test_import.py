"""``relata import-sales``: good and bad rows, partial, idempotency, streaming lines."""

import decimal
import textwrap

import pytest
from django.core.management import CommandError, call_command

from relata.entities.models import Entity
from relata.products.models import Product
from relata.sales.importer import import_directory
from relata.sales.models import Customer, Invoice, SalesOrder, SalesOrderLine
from relata.sales.tokens import command_line_token

pytestmark = pytest.mark.django_db


def _write(directory, name, text):
    (directory / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def export(tmp_path):
    header = (
        "external_id,code,name,tax_id,credit_limit,billing_street,billing_city,"
        "billing_postal_code,contact_first_name,contact_email"
    )
    rows = [
        'C1,001,Ferreterías Norte SL,B12345674,"1500,50",Calle Mayor 1,Madrid,28001,Lucía,'
        "lucia@norte.example",
        "C2,002,Suministros Sur SA,,,Av. Andalucía 3,Sevilla,41001,,",
    ]
    (tmp_path / "customers.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    _write(
        tmp_path,
        "products.csv",
        """
        external_id;code;name;unit_price;family_external_id;family_name
        P1;H-1;Hammer;10,00;F1;Tools
        P2;S-1;Saw;25.5;F1;Tools
        """,
    )
    _write(
        tmp_path,
        "orders.csv",
        """
        external_id,number,customer,date,status
        O1,SO-1,C1,2026-10-01,open
        O2,SO-2,C2,2026-10-05,delivered
        """,
    )
    _write(
        tmp_path,
        "order_lines.csv",
        """
        order,line_number,product,quantity,unit_price,discount
        O1,1,P1,2,10.00,
        O2,1,P2,1,25.50,
        O1,2,P2,4,25.50,10
        """,
    )
    _write(
        tmp_path,
        "invoices.csv",
        """
        external_id,number,customer,order,date,due_date,total,paid_amount
        I1,F-1,C1,O1,2026-10-02,2026-11-01,111.80,0
        """,
    )
    return tmp_path


def test_import_a_clean_export(export, admin_user, kinds, capsys):
    call_command("import_sales", str(export))
    out = capsys.readouterr().out
    assert "customers.csv: 2 created, 0 updated, 0 unchanged, 0 with errors" in out
    assert Customer.objects.get(external_id="C1").credit_limit == decimal.Decimal("1500.50")
    assert Entity.objects.count() == 2
    assert Customer.objects.get(external_id="C1").entity.contacts.get().first_name == "Lucía"
    assert Product.objects.get(external_id="P1").unit_price == decimal.Decimal("10.00")
    order = SalesOrder.objects.get(external_id="O1")
    assert order.lines.count() == 2
    assert order.total == decimal.Decimal("111.80")  # 20.00 + 4 × 25.50 less 10 %
    assert Invoice.objects.get().order == order


def test_the_same_import_twice_changes_nothing(export, admin_user, kinds, capsys):
    call_command("import_sales", str(export))
    stamps = dict(Customer.objects.values_list("external_id", "updated_at"))
    history = Entity.history.count()
    lines = set(SalesOrderLine.objects.values_list("pk", flat=True))
    capsys.readouterr()
    call_command("import_sales", str(export))
    out = capsys.readouterr().out
    assert "customers.csv: 0 created, 0 updated, 2 unchanged" in out
    assert "orders.csv: 0 created, 0 updated, 2 unchanged" in out
    assert "products.csv: 0 created, 0 updated, 2 unchanged" in out
    assert dict(Customer.objects.values_list("external_id", "updated_at")) == stamps
    assert Entity.history.count() == history
    assert set(SalesOrderLine.objects.values_list("pk", flat=True)) == lines


def _break(export):
    _write(
        export,
        "order_lines.csv",
        """
        order,line_number,product,quantity,unit_price
        O1,1,P1,two,10.00
        O2,1,P2,1,25.50
        O9,1,P2,1,25.50
        """,
    )
    _write(
        export,
        "customers.csv",
        """
        external_id,name,credit_limit
        C1,Ferreterías Norte SL,
        C2,Suministros Sur SA,much
        """,
    )


def test_bad_rows_save_nothing_and_are_reported_with_file_line_and_field(
    export, admin_user, kinds, capsys
):
    _break(export)
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_sales", str(export))
    err = capsys.readouterr().err
    assert "customers.csv:3: credit_limit:" in err
    assert "order_lines.csv:2: quantity:" in err
    assert "order_lines.csv:4: order:" in err  # an order that is not in orders.csv
    assert "orders.csv:3: customer:" in err  # C2 was refused, so O2's customer is unknown
    assert not Customer.objects.exists() and not SalesOrder.objects.exists()
    assert not Entity.objects.exists()


def test_partial_saves_the_good_rows(export, admin_user, kinds):
    _break(export)
    result = import_directory(token=command_line_token(admin_user), directory=export, partial=True)
    assert result.saved
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C1"}
    assert set(SalesOrder.objects.values_list("external_id", flat=True)) == set()
    by_file = {s.file: s for s in result.files}
    assert (by_file["customers.csv"].created, by_file["customers.csv"].errors) == (1, 1)
    assert by_file["orders.csv"].errors == 2
    assert by_file["invoices.csv"].errors == 1  # its order O1 was refused


def test_batches_of_a_thousand(tmp_path, admin_user, kinds):
    rows = ["external_id,name"] + [f"C{i},Shop {i}" for i in range(2_345)]
    (tmp_path / "customers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_directory(
        token=command_line_token(admin_user), directory=tmp_path, partial=False
    )
    assert result.saved and result.files[0].created == 2_345
    assert Customer.objects.count() == 2_345


def test_import_needs_an_administrator(export, agent):
    with pytest.raises(CommandError):
        call_command("import_sales", str(export), "--user", agent.username)
