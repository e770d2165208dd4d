"""Read-only sales data for CRM users under /api/v1/sales/crm/ (users' tokens and sessions).

Everything is scoped by :mod:`relata.sales.selectors`: a user sees a customer's records
when they see its linked entity. Integration tokens are not accepted here (401).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.api.pagination import CursorPagination
from relata.core import permissions
from relata.entities.models import Entity
from relata.sales import selectors
from relata.sales.models import (
    Customer,
    CustomerAddress,
    Delivery,
    Invoice,
    InvoiceLine,
    SalesOrder,
    SalesOrderLine,
)

TAG = "sales"


class SalesCustomerAddressSerializer(serializers.ModelSerializer[CustomerAddress]):
    class Meta:
        model = CustomerAddress
        fields = ["kind", "street", "postal_code", "city", "province", "country"]


class SalesCustomerSerializer(serializers.ModelSerializer[Customer]):
    addresses = SalesCustomerAddressSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "external_id", "code", "name", "tax_id", "entity", "payment_terms",
            "price_list", "credit_limit", "currency", "commercial_conditions", "is_active",
            "addresses", "updated_at",
        ]  # fmt: skip


class SalesOrderLineSerializer(serializers.ModelSerializer[SalesOrderLine]):
    class Meta:
        model = SalesOrderLine
        fields = [
            "line_number", "product", "description", "quantity", "unit_price", "discount",
            "amount", "delivered_quantity",
        ]  # fmt: skip


class SalesOrderSerializer(serializers.ModelSerializer[SalesOrder]):
    lines = SalesOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = SalesOrder
        fields = [
            "id", "external_id", "number", "customer", "date", "status", "currency", "total",
            "lines",
        ]  # fmt: skip


class SalesDeliverySerializer(serializers.ModelSerializer[Delivery]):
    class Meta:
        model = Delivery
        fields = ["id", "external_id", "number", "customer", "order", "date", "status"]


class SalesInvoiceLineSerializer(serializers.ModelSerializer[InvoiceLine]):
    class Meta:
        model = InvoiceLine
        fields = ["line_number", "product", "description", "quantity", "unit_price", "amount"]


class SalesInvoiceSerializer(serializers.ModelSerializer[Invoice]):
    lines = SalesInvoiceLineSerializer(many=True, read_only=True)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id", "external_id", "number", "customer", "order", "date", "due_date", "currency",
            "total", "paid_amount", "outstanding", "status", "lines",
        ]  # fmt: skip


FILTERS = [
    OpenApiParameter("customer", int, description="Only this ERP customer (id)."),
    OpenApiParameter("entity", int, description="Only the ERP customer of this entity."),
]


class _ReadViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    permission_classes = [permissions.RecordPermission]
    filter_backends: list[Any] = []
    pagination_class = CursorPagination

    def _filter(self, qs: QuerySet[Any], customer_field: str = "customer") -> QuerySet[Any]:
        params = self.request.query_params
        if params.get("customer", "").isdigit():
            qs = qs.filter(**{f"{customer_field}_id": int(params["customer"])})
        if params.get("entity", "").isdigit():
            qs = qs.filter(**{f"{customer_field}__entity_id": int(params["entity"])})
        return qs


@extend_schema(tags=[TAG], parameters=[FILTERS[1]])
class CustomerReadViewSet(_ReadViewSet):
    serializer_class = SalesCustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        qs = selectors.customer_queryset(self.request.user).prefetch_related("addresses")  # type: ignore[arg-type]
        if self.request.query_params.get("entity", "").isdigit():
            qs = qs.filter(entity_id=int(self.request.query_params["entity"]))
        return qs


@extend_schema(tags=[TAG], parameters=FILTERS)
class OrderReadViewSet(_ReadViewSet):
    serializer_class = SalesOrderSerializer

    def get_queryset(self) -> QuerySet[SalesOrder]:
        qs = selectors.order_queryset(self.request.user).prefetch_related("lines")  # type: ignore[arg-type]
        return self._filter(qs)


@extend_schema(tags=[TAG], parameters=FILTERS)
class DeliveryReadViewSet(_ReadViewSet):
    serializer_class = SalesDeliverySerializer

    def get_queryset(self) -> QuerySet[Delivery]:
        return self._filter(selectors.delivery_queryset(self.request.user))  # type: ignore[arg-type]


@extend_schema(tags=[TAG], parameters=FILTERS)
class InvoiceReadViewSet(_ReadViewSet):
    serializer_class = SalesInvoiceSerializer

    def get_queryset(self) -> QuerySet[Invoice]:
        qs = selectors.invoice_queryset(self.request.user).prefetch_related("lines")  # type: ignore[arg-type]
        return self._filter(qs)


class SalesSummarySerializer(serializers.Serializer[Any]):
    customer = SalesCustomerSerializer()
    year = serializers.IntegerField()
    sales_by_month = serializers.DictField(
        child=serializers.ListField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    )
    sales_this_year = serializers.DecimalField(max_digits=14, decimal_places=2)
    sales_last_year = serializers.DecimalField(max_digits=14, decimal_places=2)
    sales_last_year_to_date = serializers.DecimalField(max_digits=14, decimal_places=2)
    sales_by_family = serializers.ListField(child=serializers.DictField())
    open_orders = serializers.SerializerMethodField()
    pending_deliveries = serializers.SerializerMethodField()
    unpaid_invoices = serializers.SerializerMethodField()
    overdue_invoices = serializers.DictField()
    credit = serializers.DictField()

    def _block(self, block: dict[str, Any], serializer: Any) -> dict[str, Any]:
        return {**block, "items": serializer(block["items"], many=True).data}

    def get_open_orders(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self._block(obj["open_orders"], SalesOrderSerializer)

    def get_pending_deliveries(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self._block(obj["pending_deliveries"], SalesDeliverySerializer)

    def get_unpaid_invoices(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self._block(obj["unpaid_invoices"], SalesInvoiceSerializer)


class EntitySalesSummaryView(APIView):
    """The sales block of an entity's 360° view (404 when the entity is not visible or has
    no ERP customer)."""

    permission_classes = [permissions.RecordPermission]

    @extend_schema(tags=[TAG], responses=SalesSummarySerializer)
    def get(self, request: Request, pk: int) -> Response:
        entity = get_object_or_404(
            permissions.scope(request.user, Entity.objects.all()),  # type: ignore[arg-type]
            pk=pk,
        )
        customer = selectors.entity_customer(request.user, entity)  # type: ignore[arg-type]
        if customer is None:
            return Response({"detail": "Not found.", "code": "not_found"}, status=404)
        summary = selectors.customer_summary(customer)
        return Response(SalesSummarySerializer(summary).data)
