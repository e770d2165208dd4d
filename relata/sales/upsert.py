"""Upserting ERP records in batches: the one write path of the API and the importer.

A batch (at most :data:`MAX_BATCH` records of one kind) is validated first, record by
record, and its references (external ids of customers, orders, products) resolved in one
query per kind. Without ``partial`` nothing is saved when any record is bad; with it the
good records are saved and the bad ones reported. Each record's payload hash is compared
with the stored one: the same payload twice writes nothing (no ``updated_at`` change, no
history row). New and changed rows are written with ``bulk_create``/``bulk_update``, their
lines replaced in bulk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers as drf_serializers

from relata.products import services as product_services
from relata.products.models import Product
from relata.sales import bulk, linking, serializers, webhooks
from relata.sales.models import (
    Customer,
    CustomerAddress,
    Delivery,
    ErpRecord,
    IntegrationToken,
    Invoice,
    InvoiceLine,
    Master,
    SalesOrder,
    SalesOrderLine,
    Supplier,
)
from relata.sales.tokens import ensure_integration

MAX_BATCH = 1_000


class BatchTooLarge(ValueError):
    pass


@dataclasses.dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    results: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def saved(self) -> bool:
        return bool(self.created or self.updated or self.unchanged)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "results": self.results,
        }


@dataclasses.dataclass
class Item:
    index: int
    external_id: str
    data: dict[str, Any]
    hash: str = ""
    instance: Any = None
    status: str = ""


class _Rollback(Exception):
    pass


def flatten_errors(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Turn DRF's nested error structure into (dotted field path, message) pairs."""
    if isinstance(detail, dict):
        pairs = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            pairs += flatten_errors(value, path)
        return pairs
    if isinstance(detail, list):
        if detail and all(isinstance(v, dict | list) for v in detail):
            pairs = []
            for index, value in enumerate(detail):
                pairs += flatten_errors(value, f"{prefix}.{index}" if prefix else str(index))
            return pairs
        return [(prefix, str(message)) for message in detail]
    return [(prefix, str(detail))]


def payload_hash(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass
class Spec:
    model: type[ErpRecord]
    serializer: type[drf_serializers.Serializer]
    fields: tuple[str, ...]
    resolve: Callable[[list[Item], Callable[[Item, str, str], None]], None] | None = None
    lines: tuple[type[models.Model], str, tuple[str, ...]] | None = None


def _by_external_id(model: type[models.Model], ids: set[str]) -> dict[str, Any]:
    ids.discard("")
    return model._default_manager.in_bulk(list(ids), field_name="external_id") if ids else {}


def _resolve_documents(items: list[Item], fail: Callable[[Item, str, str], None]) -> None:
    customers = _by_external_id(Customer, {i.data["customer"] for i in items})
    orders = _by_external_id(SalesOrder, {i.data.get("order", "") for i in items})
    products = _by_external_id(
        Product, {line["product"] for i in items for line in i.data.get("lines", [])}
    )
    for item in items:
        customer = customers.get(item.data["customer"])
        if customer is None:
            fail(item, "customer", _("Unknown customer external id “%s”.") % item.data["customer"])
        item.data["customer"] = customer
        if "order" in item.data:
            order_id = item.data["order"]
            item.data["order"] = orders.get(order_id) if order_id else None
            if order_id and item.data["order"] is None:
                fail(item, "order", _("Unknown order external id “%s”.") % order_id)
        for index, line in enumerate(item.data.get("lines", [])):
            product_id = line["product"]
            line["product"] = products.get(product_id) if product_id else None
            if product_id and line["product"] is None:
                fail(
                    item,
                    f"lines.{index}.product",
                    _("Unknown product external id “%s”.") % product_id,
                )


LINE_FIELDS = ("line_number", "product", "description", "quantity", "unit_price", "amount")
MASTER_FIELDS = ("code", "name", "tax_id", "is_active")

SPECS: dict[str, Spec] = {
    "customers": Spec(
        Customer,
        serializers.ErpCustomerSerializer,
        (
            *MASTER_FIELDS,
            "payment_terms",
            "price_list",
            "credit_limit",
            "currency",
            "commercial_conditions",
        ),
    ),
    "suppliers": Spec(Supplier, serializers.ErpSupplierSerializer, MASTER_FIELDS),
    "orders": Spec(
        SalesOrder,
        serializers.ErpOrderSerializer,
        ("number", "customer", "date", "status", "currency", "total"),
        _resolve_documents,
        (SalesOrderLine, "order", (*LINE_FIELDS, "discount", "delivered_quantity")),
    ),
    "deliveries": Spec(
        Delivery,
        serializers.ErpDeliverySerializer,
        ("number", "customer", "order", "date", "status"),
        _resolve_documents,
    ),
    "invoices": Spec(
        Invoice,
        serializers.ErpInvoiceSerializer,
        (
            *("number", "customer", "order", "date", "due_date"),
            *("currency", "total", "paid_amount", "status"),
        ),
        _resolve_documents,
        (InvoiceLine, "invoice", LINE_FIELDS),
    ),
}
KINDS = (*SPECS, "products")


def upsert_batch(
    *, token: IntegrationToken, kind: str, records: Sequence[Any], partial: bool = False
) -> BatchResult:
    """Validate and save ``records`` of ``kind`` (see the module docstring)."""
    ensure_integration(token)
    if len(records) > MAX_BATCH:
        raise BatchTooLarge(_("Send at most %d records per call.") % MAX_BATCH)
    result = BatchResult()
    failed: set[int] = set()

    def fail(item: Item | int, field: str, message: str, external_id: str = "") -> None:
        index = item.index if isinstance(item, Item) else item
        if isinstance(item, Item):
            external_id = item.external_id
        failed.add(index)
        result.errors.append(
            {"index": index, "external_id": external_id, "field": field, "message": message}
        )

    serializer_class = (
        serializers.ErpProductSerializer if kind == "products" else SPECS[kind].serializer
    )
    # One serializer for the whole batch: its fields are built once (DRF builds them per
    # instance, which dominates the cost of small records).
    validator = serializer_class()
    items: list[Item] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        external_id = str(record.get("external_id", "")) if isinstance(record, dict) else ""
        try:
            validated = validator.run_validation(record)
        except drf_serializers.ValidationError as error:
            for field, message in flatten_errors(error.detail):
                fail(index, field, message, external_id)
            continue
        data = dict(validated)
        if data["external_id"] in seen:
            fail(
                index, "external_id", _("This external id appears twice in the batch."), external_id
            )
            continue
        seen.add(data["external_id"])
        items.append(Item(index, data["external_id"], data, payload_hash(data)))
    if kind != "products" and SPECS[kind].resolve is not None:
        SPECS[kind].resolve(items, fail)  # type: ignore[misc]
    good = [item for item in items if item.index not in failed]
    if failed and not partial:
        result.errors.sort(key=lambda e: e["index"])
        return result
    try:
        with transaction.atomic():
            if kind == "products":
                _save_products(token, good, fail, partial)
            else:
                _save(token, SPECS[kind], good, fail, partial)
            if failed and not partial:
                raise _Rollback
    except _Rollback:
        result.errors.sort(key=lambda e: e["index"])
        return result
    for item in sorted(good, key=lambda i: i.index):
        if item.index in failed and item.status == "":
            continue
        setattr(result, item.status, getattr(result, item.status) + 1)
        result.results.append(
            {"index": item.index, "external_id": item.external_id, "status": item.status}
        )
    result.errors.sort(key=lambda e: e["index"])
    return result


def _save(
    token: IntegrationToken,
    spec: Spec,
    items: list[Item],
    fail: Callable[..., None],
    partial: bool,
) -> None:
    existing = _by_external_id(spec.model, {i.external_id for i in items})
    now = timezone.now()
    created: list[Item] = []
    updated: list[Item] = []
    for item in items:
        instance = existing.get(item.external_id)
        if instance is not None and instance.payload_hash == item.hash:
            item.instance, item.status = instance, "unchanged"
            continue
        if instance is None:
            instance = spec.model(external_id=item.external_id, created_at=now)
            created.append(item)
            item.status = "created"
        else:
            updated.append(item)
            item.status = "updated"
        for name in spec.fields:
            setattr(instance, name, item.data[name])
        instance.payload_hash, instance.updated_at = item.hash, now
        item.instance = instance
    changed = created + updated
    is_master = spec.model in (Customer, Supplier)
    if is_master:
        # Before the masters are written: linking sets their entity and ERP snapshot, so
        # that they are saved with them (no second write of each master).
        _link(token, changed, fail, partial)
    spec.model._default_manager.bulk_create([i.instance for i in created])
    spec.model._default_manager.bulk_update(
        [i.instance for i in updated],
        [
            *spec.fields,
            "payload_hash",
            "updated_at",
            *(("entity", "erp_snapshot") if is_master else ()),
        ],
    )
    if spec.lines is not None:
        line_model, parent, fields = spec.lines
        _replace_children(line_model, parent, fields, "lines", changed, bool(updated))
    if spec.model is Customer:
        _replace_children(
            CustomerAddress,
            "customer",
            ("external_id", "kind", *linking.ADDRESS_FIELDS),
            "addresses",
            changed,
            bool(updated),
        )


def _replace_children(
    model: type[models.Model],
    parent: str,
    fields: tuple[str, ...],
    key: str,
    items: list[Item],
    delete: bool,
) -> None:
    if delete:
        model._default_manager.filter(**{f"{parent}__in": [i.instance for i in items]}).delete()
    model._default_manager.bulk_create(
        model(**{parent: item.instance}, **{f: child.get(f) for f in fields if f in child})
        for item in items
        for child in item.data.get(key, [])
    )


def _link(
    token: IntegrationToken, items: list[Item], fail: Callable[..., None], partial: bool
) -> None:
    """Create, link or update the CRM entities of changed masters, which are not written
    yet (see :mod:`relata.sales.bulk`: the batch's new entities are written together)."""
    if not items:
        return
    setting = linking.link_setting(
        Master.CUSTOMERS if isinstance(items[0].instance, Customer) else Master.SUPPLIERS
    )
    failed: list[Item] = []

    def on_error(position: int, error: ValidationError) -> None:
        item = items[position]
        pairs = (
            [(f, m) for f, ms in error.message_dict.items() for m in ms]
            if hasattr(error, "error_dict")
            else [("", m) for m in error.messages]
        )
        for field, message in pairs:
            fail(item, f"entity.{field}" if field else "entity", message)
        failed.append(item)

    with webhooks.suppressed():
        bulk.link_batch(
            actor=token.acts_as,
            requests=[
                bulk.LinkRequest(
                    item.instance,
                    addresses=item.data.get("addresses", []),
                    contacts=item.data.get("contacts", []),
                    email=item.data.get("email", ""),
                    phone=item.data.get("phone", ""),
                )
                for item in items
            ],
            setting=setting,
            on_error=on_error,
        )
    if failed and not partial:
        raise _Rollback
    for item in failed:
        # Saved but not linked: no hash, so that sending it again retries.
        item.instance.payload_hash = ""


def _save_products(
    token: IntegrationToken, items: list[Item], fail: Callable[..., None], partial: bool
) -> None:
    families: dict[str, Any] = {}
    for item in items:
        data = item.data
        try:
            with transaction.atomic():
                family = None
                if data.get("family"):
                    raw = data["family"]
                    family = families.get(raw["external_id"])
                    if family is None:
                        family, _status = product_services.family_upsert(
                            token=token,
                            data={
                                "external_id": raw["external_id"],
                                "code": raw.get("code", ""),
                                "name_en": raw["name"],
                                "name_es": raw.get("name_es", ""),
                            },
                        )
                        families[raw["external_id"]] = family
                item.instance, item.status = product_services.product_upsert(
                    token=token,
                    data={
                        "external_id": data["external_id"],
                        "code": data["code"],
                        "name_en": data["name"],
                        "name_es": data["name_es"],
                        "description": data["description"],
                        "unit_price": data["unit_price"],
                        "currency": data["currency"],
                        "is_active": data["is_active"],
                        "family": family,
                    },
                )
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            for field, field_messages in messages.items():
                for message in field_messages:
                    fail(item, field, message)
            if not partial:
                raise _Rollback from error
