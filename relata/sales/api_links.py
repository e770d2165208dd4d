"""A case's links to the orders, deliveries and invoices of its customer, in the CRM API
(R27): ``/api/v1/cases/{id}/sales-links/`` (GET the list, POST a link) and
``/api/v1/cases/{id}/sales-links/{link_id}/`` (DELETE).

The rules are the services' (:mod:`relata.sales.services_links`): an invisible case is a
404; reading needs the case's entity visible, linking the right to change the case (403);
a document of another customer a 400 in the API's error format.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.cases import selectors as case_selectors
from relata.cases.models import Case
from relata.core import permissions
from relata.core.types import request_user
from relata.sales import selectors_links, services_links
from relata.sales.models import CaseSalesLink, SalesDocumentKind

TAG = "sales"
KIND_HELP = "The kind of document: " + ", ".join(f'"{k}"' for k in SalesDocumentKind.values) + "."


class CaseSalesLinkSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    document = serializers.IntegerField(read_only=True, help_text="The document's id.")
    number = serializers.CharField(read_only=True)
    date = serializers.DateField(read_only=True)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="The total of an order or invoice; null for a delivery.",
    )
    currency = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The document's page in the CRM.")
    created_by = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        assert isinstance(instance, CaseSalesLink)
        document = instance.document
        assert document is not None  # the database's check constraint
        row = selectors_links.document_row(document, instance.case.entity_id)
        return {
            "id": instance.pk,
            "kind": row.kind,
            "document": row.pk,
            "number": row.number,
            "date": row.date.isoformat(),
            "amount": None if row.amount is None else f"{row.amount:.2f}",
            "currency": row.currency,
            "status": row.status,
            "url": row.url,
            "created_by": instance.created_by_id,
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
        }


class CaseSalesLinkCreateSerializer(serializers.Serializer[Any]):
    # Not a ChoiceField: its enum would collide with the other "kind" enums of the schema;
    # the service answers an unknown kind as a field error.
    kind = serializers.CharField(max_length=20, help_text=KIND_HELP)
    document = serializers.IntegerField(min_value=1, help_text="The document's id.")


def _case(request: Request, pk: int) -> Case:
    user = request_user(request)
    try:
        case = case_selectors.case_get(user=user, pk=pk)
    except Case.DoesNotExist as error:
        raise Http404 from error
    permissions.ensure(
        permissions.can_view(user, case.entity),
        _("You cannot see this entity's orders, deliveries and invoices."),
    )
    return case


class CaseSalesLinksView(APIView):
    """The orders, deliveries and invoices a case is linked to; POST links one more."""

    permission_classes = [permissions.RecordPermission]

    @extend_schema(tags=[TAG], responses=CaseSalesLinkSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        links = list(selectors_links.link_queryset(case))
        for link in links:
            link.case = case
        return Response(CaseSalesLinkSerializer(links, many=True).data)

    @extend_schema(
        tags=[TAG],
        request=CaseSalesLinkCreateSerializer,
        responses={201: CaseSalesLinkSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        body = CaseSalesLinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = services_links.case_document_link(
            user=request_user(request),
            case=case,
            kind=body.validated_data["kind"],
            document_id=body.validated_data["document"],
        )
        link.case = case
        return Response(CaseSalesLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class CaseSalesLinkDetailView(APIView):
    """One link of a case; DELETE unlinks (the document itself is untouched)."""

    permission_classes = [permissions.RecordPermission]

    def _link(self, request: Request, pk: int, link_pk: int) -> CaseSalesLink:
        case = _case(request, pk)
        link = selectors_links.link_queryset(case).filter(pk=link_pk).first()
        if link is None:
            raise Http404
        link.case = case
        return link

    @extend_schema(tags=[TAG], responses=CaseSalesLinkSerializer)
    def get(self, request: Request, pk: int, link_pk: int) -> Response:
        return Response(CaseSalesLinkSerializer(self._link(request, pk, link_pk)).data)

    @extend_schema(tags=[TAG], responses={204: OpenApiResponse(description="Unlinked.")})
    def delete(self, request: Request, pk: int, link_pk: int) -> Response:
        link = self._link(request, pk, link_pk)
        services_links.case_document_unlink(user=request_user(request), link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)
