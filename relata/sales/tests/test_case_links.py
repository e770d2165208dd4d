"""After-sales cases linked to their customer's orders, deliveries and invoices (R27): the
services, the case page's card and its htmx views, the API, and the permission rules."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from relata.sales import selectors_links, services_links
from relata.sales.models import CaseSalesLink, Customer, Delivery, Invoice, SalesOrder

pytestmark = pytest.mark.django_db
D = decimal.Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def _customer(entity, external_id, name):
    return Customer.objects.create(
        external_id=external_id, name=name, entity=entity, updated_at=timezone.now()
    )


def _order(customer, number, days_ago=10, total="250.00"):
    return SalesOrder.objects.create(
        external_id=f"O-{number}",
        number=number,
        customer=customer,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        total=D(total),
        updated_at=timezone.now(),
    )


def _delivery(customer, number, order=None):
    return Delivery.objects.create(
        external_id=f"D-{number}",
        number=number,
        customer=customer,
        order=order,
        date=timezone.localdate() - datetime.timedelta(days=5),
        updated_at=timezone.now(),
    )


def _invoice(customer, number, order=None, total="302.50"):
    return Invoice.objects.create(
        external_id=f"I-{number}",
        number=number,
        customer=customer,
        order=order,
        date=timezone.localdate() - datetime.timedelta(days=3),
        total=D(total),
        updated_at=timezone.now(),
    )


@pytest.fixture
def docs(entity, other_entity):
    """``entity``'s customer with one order, delivery and invoice; ``other_entity``'s
    customer with an invoice of its own."""
    customer = _customer(entity, "C-ACME", "Acme Trading SL")
    order = _order(customer, "PV-0001")
    other = _customer(other_entity, "C-BOREAL", "Boreal Logistics SA")
    return {
        "customer": customer,
        "order": order,
        "delivery": _delivery(customer, "AL-0001", order),
        "invoice": _invoice(customer, "FV-0001", order),
        "other_invoice": _invoice(other, "FV-9999"),
    }


@pytest.fixture
def complaint(make_case):
    return make_case(case_type="complaint", subject="Damaged pallet")


def _link(user, case, kind, document):
    return services_links.case_document_link(
        user=user, case=case, kind=kind, document_id=document.pk
    )


# --- Services ------------------------------------------------------------------------------


def test_link_each_kind_and_unlink(agent, complaint, docs):
    for kind in ("order", "delivery", "invoice"):
        link = _link(agent, complaint, kind, docs[kind])
        assert link.kind == kind
        assert link.document == docs[kind]
        assert link.created_by == agent
    rows = selectors_links.case_links(agent, complaint)
    assert {row.number for _link, row in rows} == {"PV-0001", "AL-0001", "FV-0001"}
    assert {row.url for _link, row in rows} == {
        reverse("sales:order_detail", args=[docs["order"].pk]),
        reverse("sales:entity_deliveries", args=[complaint.entity_id]),
        reverse("sales:invoice_detail", args=[docs["invoice"].pk]),
    }

    link = CaseSalesLink.objects.get(case=complaint, invoice=docs["invoice"])
    services_links.case_document_unlink(user=agent, link=link)
    assert set(CaseSalesLink.objects.filter(case=complaint).values_list("order", "delivery")) == {
        (docs["order"].pk, None),
        (None, docs["delivery"].pk),
    }
    assert Invoice.objects.filter(pk=docs["invoice"].pk).exists()  # the ERP's, untouched


def test_links_follow_the_case_entity(agent, complaint, docs, make_entity, team):
    """A case moved to another entity no longer shows the first customer's documents."""
    _link(agent, complaint, "order", docs["order"])
    complaint.entity = make_entity(agent, team, "Cierzo Renewables SL")
    complaint.save()
    assert selectors_links.case_links(agent, complaint) == []
    assert not selectors_links.link_queryset(complaint).exists()
    complaint.entity = docs["customer"].entity
    complaint.save()
    assert [row.number for _link, row in selectors_links.case_links(agent, complaint)] == [
        "PV-0001"
    ]


def test_same_document_twice_refused(agent, complaint, docs):
    _link(agent, complaint, "invoice", docs["invoice"])
    with pytest.raises(ValidationError) as error:
        _link(agent, complaint, "invoice", docs["invoice"])
    assert error.value.message_dict["document"] == ["FV-0001 is already linked to this case."]
    assert CaseSalesLink.objects.filter(case=complaint).count() == 1


def test_document_of_another_customer_refused(agent, complaint, docs):
    with pytest.raises(ValidationError) as error:
        _link(agent, complaint, "invoice", docs["other_invoice"])
    message = error.value.message_dict["document"][0]
    assert "Only the orders, deliveries and invoices of “Acme Trading SL”" in message
    assert "FV-9999" not in message  # nothing told about the other customer's document
    assert not CaseSalesLink.objects.exists()


def test_wrong_kind_and_missing_document(agent, complaint, docs):
    with pytest.raises(ValidationError) as error:
        _link(agent, complaint, "quote", docs["order"])
    assert "kind" in error.value.message_dict
    # An order's id given as an invoice: not one of the customer's invoices.
    with pytest.raises(ValidationError):
        services_links.case_document_link(
            user=agent, case=complaint, kind="invoice", document_id="not-a-number"
        )
    assert not CaseSalesLink.objects.exists()


def test_entity_without_erp_customer(agent, complaint):
    with pytest.raises(ValidationError) as error:
        services_links.case_document_link(user=agent, case=complaint, kind="order", document_id=1)
    assert "not linked to an ERP customer" in error.value.message_dict["document"][0]


def test_reader_and_other_team_may_not_link(reader, other_agent, manager, complaint, docs):
    for user in (reader, other_agent):
        with pytest.raises(PermissionDenied):
            _link(user, complaint, "order", docs["order"])
    assert not CaseSalesLink.objects.exists()
    # A manager of the case's team may.
    assert _link(manager, complaint, "order", docs["order"]).created_by == manager


def test_database_allows_exactly_one_document(agent, complaint, docs):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseSalesLink.objects.create(case=complaint, order=docs["order"], invoice=docs["invoice"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseSalesLink.objects.create(case=complaint)
    CaseSalesLink.objects.create(case=complaint, order=docs["order"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseSalesLink.objects.create(case=complaint, order=docs["order"])


def test_candidates_search_and_pages(docs):
    customer = docs["customer"]
    for n in range(2, 12):
        _order(customer, f"PV-{n:04d}", days_ago=20 + n)
    page = selectors_links.candidate_page(customer, kind="order")
    assert page.paginator.count == 11
    assert [o.number for o in page][:2] == ["PV-0001", "PV-0002"]  # newest first
    assert len(page) == selectors_links.CANDIDATE_PAGE_SIZE
    page2 = selectors_links.candidate_page(customer, kind="order", page=2)
    assert len(page2) == 11 - selectors_links.CANDIDATE_PAGE_SIZE
    found = selectors_links.candidate_page(customer, kind="order", search="0011")
    assert [o.number for o in found] == ["PV-0011"]


# --- The card on the case page and its views -----------------------------------------------


def test_card_shows_linked_documents_and_candidates(client, agent, complaint, docs):
    _link(agent, complaint, "order", docs["order"])
    client.force_login(agent)
    response = client.get(reverse("cases:detail", args=[complaint.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="case-sales-panel"' in html
    assert 'id="case-sales-links"' in html
    assert reverse("sales:order_detail", args=[docs["order"].pk]) in html
    link = complaint.sales_links.get()
    assert reverse("sales:case_document_unlink", args=[complaint.pk, link.pk]) in html
    # The order is marked linked among the candidates, and nothing of the other customer.
    assert f'id="case-sales-candidate-order-{docs["order"].pk}"' in html
    assert "FV-9999" not in html


def test_link_on_the_case_timeline(client, agent, complaint, docs):
    _link(agent, complaint, "invoice", docs["invoice"])
    client.force_login(agent)
    html = client.get(reverse("cases:detail", args=[complaint.pk])).content.decode()
    timeline = html[html.index('id="case-timeline"') :]
    assert "Linked invoice FV-0001" in timeline


def test_card_empty_states(client, agent, make_case, complaint, docs, other_entity):
    client.force_login(agent)
    # An after-sales case always shows the card: without links, then without a customer.
    html = client.get(reverse("cases:detail", args=[complaint.pk])).content.decode()
    assert "No documents linked yet." in html
    docs["customer"].entity = None
    docs["customer"].save()
    html = client.get(reverse("cases:detail", args=[complaint.pk])).content.decode()
    assert 'id="case-sales-no-customer"' in html
    # An opportunity of an entity without a customer (and no links) does not show it.
    opportunity = make_case(subject="New line")
    html = client.get(reverse("cases:detail", args=[opportunity.pk])).content.decode()
    assert 'id="case-sales-panel"' not in html


def test_htmx_link_returns_the_card(client, agent, complaint, docs):
    client.force_login(agent)
    url = reverse("sales:case_document_link", args=[complaint.pk])
    response = client.post(
        url, {"kind": "delivery", "document": docs["delivery"].pk, "sales_kind": "delivery"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="card mb-3" id="case-sales-panel"')
    assert "AL-0001" in html and 'id="case-sales-links"' in html
    assert 'id="case-sales-tab-delivery"' in html
    assert CaseSalesLink.objects.get(case=complaint).delivery == docs["delivery"]


def test_htmx_link_of_other_customer_shows_error(client, agent, complaint, docs):
    client.force_login(agent)
    url = reverse("sales:case_document_link", args=[complaint.pk])
    response = client.post(url, {"kind": "invoice", "document": docs["other_invoice"].pk}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert 'id="case-sales-error"' in html
    assert "Only the orders, deliveries and invoices of" in html
    assert not CaseSalesLink.objects.exists()


def test_plain_post_redirects_with_message(client, agent, complaint, docs):
    client.force_login(agent)
    url = reverse("sales:case_document_link", args=[complaint.pk])
    response = client.post(url, {"kind": "order", "document": docs["order"].pk}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("cases:detail", args=[complaint.pk]))
    assert "PV-0001 is now linked to this case." in response.content.decode()


def test_unlink_confirmation_and_htmx_unlink(client, agent, complaint, docs):
    link = _link(agent, complaint, "invoice", docs["invoice"])
    client.force_login(agent)
    url = reverse("sales:case_document_unlink", args=[complaint.pk, link.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="confirm-unlink"' in page.content.decode()
    assert CaseSalesLink.objects.filter(pk=link.pk).exists()
    response = client.post(url, {"sales_kind": "invoice"}, **HTMX)
    assert response.status_code == 200
    assert 'id="case-sales-no-links"' in response.content.decode()
    assert not CaseSalesLink.objects.filter(pk=link.pk).exists()


def test_search_answers_only_the_list(client, agent, complaint, docs):
    _order(docs["customer"], "PV-7777")
    client.force_login(agent)
    url = reverse("sales:case_documents", args=[complaint.pk])
    response = client.get(
        url, {"sales_kind": "order", "sales_q": "7777"}, HTTP_HX_TARGET="case-sales-results", **HTMX
    )
    html = response.content.decode()
    assert html.startswith('<div id="case-sales-results">')
    assert "PV-7777" in html and "PV-0001" not in html
    # A tab answers the whole card; without htmx, the case page with the same state.
    assert (
        client.get(url, {"sales_kind": "invoice"}, **HTMX).content.decode().startswith("<section")
    )
    plain = client.get(url, {"sales_kind": "invoice"})
    assert plain.status_code == 302 and "sales_kind=invoice" in plain.url


def test_permissions_on_views(client, reader, other_agent, agent, complaint, docs):
    link = _link(agent, complaint, "order", docs["order"])
    link_url = reverse("sales:case_document_link", args=[complaint.pk])
    unlink_url = reverse("sales:case_document_unlink", args=[complaint.pk, link.pk])
    panel_url = reverse("sales:case_documents", args=[complaint.pk])
    data = {"kind": "invoice", "document": docs["invoice"].pk}

    client.force_login(other_agent)  # another team: the case does not exist for them
    assert client.get(panel_url, **HTMX).status_code == 404
    assert client.post(link_url, data, **HTMX).status_code == 404
    assert client.post(unlink_url, **HTMX).status_code == 404

    client.force_login(reader)  # sees the card, links nothing
    html = client.get(reverse("cases:detail", args=[complaint.pk])).content.decode()
    assert "PV-0001" in html and 'id="case-sales-candidates"' in html
    assert link_url not in html and unlink_url not in html
    assert client.post(link_url, data, **HTMX).status_code == 403
    assert client.post(unlink_url, **HTMX).status_code == 403
    assert CaseSalesLink.objects.filter(case=complaint).count() == 1


# --- API -----------------------------------------------------------------------------------


def test_api_list_link_and_unlink(api_client, agent, complaint, docs):
    api_client.force_authenticate(agent)
    url = reverse("api-case-sales-links", args=[complaint.pk])
    response = api_client.post(url, {"kind": "invoice", "document": docs["invoice"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "invoice" and body["number"] == "FV-0001"
    assert body["amount"] == "302.50" and body["created_by"] == agent.pk
    assert body["url"] == reverse("sales:invoice_detail", args=[docs["invoice"].pk])

    listing = api_client.get(url).json()
    assert [row["number"] for row in listing] == ["FV-0001"]

    detail = reverse("api-case-sales-link", args=[complaint.pk, body["id"]])
    assert api_client.delete(detail).status_code == 204
    assert api_client.get(url).json() == []


def test_api_errors(api_client, agent, reader, other_agent, complaint, docs):
    url = reverse("api-case-sales-links", args=[complaint.pk])
    api_client.force_authenticate(agent)
    response = api_client.post(url, {"kind": "invoice", "document": docs["other_invoice"].pk})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("Only the orders, deliveries and invoices of")
    assert list(body["errors"]) == ["document"]
    response = api_client.post(url, {"kind": "quote", "document": docs["order"].pk})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["kind"]
    assert not CaseSalesLink.objects.exists()

    api_client.force_authenticate(reader)
    assert api_client.get(url).status_code == 200
    response = api_client.post(url, {"kind": "order", "document": docs["order"].pk})
    assert response.status_code == 403

    api_client.force_authenticate(other_agent)
    assert api_client.get(url).status_code == 404
    assert api_client.post(url, {"kind": "order", "document": docs["order"].pk}).status_code == 404
    assert not CaseSalesLink.objects.exists()


# --- Demo ----------------------------------------------------------------------------------


def test_demo_links_after_sales_cases_to_their_customers_documents(client, admin_user):
    from relata.core import demo_runner

    ctx = demo_runner.run(seed=11, entities=100, show_progress=False)
    links = list(
        CaseSalesLink.objects.select_related(
            "case__case_type", "order__customer", "delivery__customer", "invoice__customer"
        )
    )
    assert links, ctx.notes
    for link in links:
        assert not link.case.case_type.is_opportunity
        assert link.document.customer.entity_id == link.case.entity_id
    case = links[0].case
    client.force_login(admin_user)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert links[0].document.number in html
