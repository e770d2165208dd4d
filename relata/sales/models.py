"""The ERP's sales side [ventas]: customers, suppliers, orders, deliveries and invoices.

The ERP is the source of truth: these rows are written only by the integration API and the
``relata import-sales`` importer (see :mod:`relata.sales.upsert`) and are read-only in the
UI. Every record carries the ERP's ``external_id`` and the SHA-256 of the last payload it
was written from (``payload_hash``), so that the same payload twice changes nothing.
"""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ZERO = decimal.Decimal("0.00")


def _money(label: Any, *, null: bool = False) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=14,
        decimal_places=2,
        null=null,
        blank=null,
        default=None if null else ZERO,
    )


class ErpRecord(models.Model):
    """Base of every record the ERP owns."""

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    payload_hash = models.CharField(max_length=64, editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set by the upsert services (bulk_update does not touch auto_now fields), only when
    # the record really changed.
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "number", "") or getattr(self, "name", "") or self.external_id)


class MasterRecord(ErpRecord):
    """A master (customer or supplier) that may be linked to one CRM entity."""

    code = models.CharField(_("code"), max_length=50, blank=True)
    name = models.CharField(_("name"), max_length=200)
    # Compact, upper case; the entity's normalised tax id when the ERP's is valid.
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The values the ERP last wrote into the linked entity (see relata.sales.linking): a
    # field whose current value differs from these was changed in the CRM and is left alone.
    erp_snapshot = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True


class Customer(MasterRecord):
    # Seen by whoever sees the linked entity (relata.core.permissions); unlinked customers
    # only by administrators.
    PERMISSION_PARENT: ClassVar[str] = "entity"

    entity = models.OneToOneField(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erp_customer",
    )
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    price_list = models.CharField(_("price list"), max_length=100, blank=True)
    credit_limit = _money(_("credit limit"), null=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    commercial_conditions = models.JSONField(_("commercial conditions"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("ERP customer")
        verbose_name_plural = _("ERP customers")
        indexes = [models.Index(fields=["name", "id"], name="sales_customer_name_idx")]


class CustomerAddress(models.Model):
    class Kind(models.TextChoices):
        BILLING = "billing", _("Billing")
        DELIVERY = "delivery", _("Delivery")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BILLING)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="ES")

    class Meta:
        ordering = ["customer", "id"]
        verbose_name = _("customer address")
        verbose_name_plural = _("customer addresses")

    def __str__(self) -> str:
        parts = [self.street, f"{self.postal_code} {self.city}".strip(), self.province]
        return ", ".join(p for p in parts if p)


class Supplier(MasterRecord):
    entity = models.OneToOneField(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erp_supplier",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("ERP supplier")
        verbose_name_plural = _("ERP suppliers")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_DELIVERED = "partially_delivered", _("Partially delivered")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class SalesOrder(ErpRecord):
    PERMISSION_PARENT: ClassVar[str] = "customer"

    number = models.CharField(_("number"), max_length=50)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total = _money(_("total"))

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        indexes = [
            models.Index(fields=["customer", "-date"], name="sales_order_customer_idx"),
            models.Index(fields=["date"], name="sales_order_date_idx"),
        ]


class DocumentLine(models.Model):
    line_number = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = _money(_("unit price"))
    amount = _money(_("amount"))

    class Meta:
        abstract = True


class SalesOrderLine(DocumentLine):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    delivered_quantity = models.DecimalField(
        _("delivered quantity"), max_digits=14, decimal_places=3, default=decimal.Decimal("0")
    )

    class Meta:
        ordering = ["order", "line_number"]
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        indexes = [models.Index(fields=["product"], name="sales_orderline_product_idx")]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")


class Delivery(ErpRecord):
    PERMISSION_PARENT: ClassVar[str] = "customer"

    number = models.CharField(_("number"), max_length=50)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deliveries"
    )
    order = models.ForeignKey(
        SalesOrder,
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["customer", "-date"], name="sales_delivery_customer_idx")]


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Invoice(ErpRecord):
    PERMISSION_PARENT: ClassVar[str] = "customer"

    number = models.CharField(_("number"), max_length=50)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    order = models.ForeignKey(
        SalesOrder,
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoices",
    )
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total = _money(_("total"))
    paid_amount = _money(_("paid"))
    status = models.CharField(
        _("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "-date"], name="sales_invoice_customer_idx"),
            models.Index(fields=["customer", "due_date"], name="sales_invoice_due_idx"),
            models.Index(fields=["date"], name="sales_invoice_date_idx"),
        ]

    @property
    def outstanding(self) -> decimal.Decimal:
        return self.total - self.paid_amount


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["invoice", "line_number"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        indexes = [models.Index(fields=["product"], name="sales_invoiceline_product_idx")]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description}"


# --- Integration configuration ---------------------------------------------------------


class Master(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    SUPPLIERS = "suppliers", _("Suppliers")


class MasterLinkSetting(models.Model):
    """Per master: whether a new ERP record creates (or links) a CRM entity.

    Absent rows mean the defaults in :data:`relata.sales.linking.DEFAULT_CREATES_ENTITY`.
    """

    master = models.CharField(_("master"), max_length=20, choices=Master.choices, unique=True)
    creates_entity = models.BooleanField(_("creating a record creates a CRM entity"))
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of the entities created"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    default_team = models.ForeignKey(
        "core.Team",
        verbose_name=_("team of the entities created"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("master linking setting")
        verbose_name_plural = _("master linking settings")

    def __str__(self) -> str:
        return self.get_master_display()


class IntegrationToken(models.Model):
    """A token for the ERP integration, valid only on /api/v1/sales/ (see tokens.py).

    Stored as a SHA-256 digest; its writes are recorded as made by ``acts_as`` (an
    administrator), which is also the user the entity services check.
    """

    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("integration token")
        verbose_name_plural = _("integration tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- Outbound webhooks -----------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    ENTITY_CREATED = "entity.created", _("Entity created")
    ENTITY_CHANGED = "entity.changed", _("Entity changed")
    OPPORTUNITY_WON = "opportunity.won", _("Opportunity won")


class WebhookEndpoint(models.Model):
    """A URL of the ERP that receives signed CRM events (see relata.sales.webhooks)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    # Kept in clear: signing needs it. Shown to administrators only.
    secret = models.CharField(_("signing secret"), max_length=100)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint: the delivery log."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=50, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_code = models.PositiveIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="sales_webhook_log_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


# --- After-sales cases linked to documents (R27) ---------------------------------------


class SalesDocumentKind(models.TextChoices):
    ORDER = "order", pgettext_lazy("sales document", "Order")
    DELIVERY = "delivery", pgettext_lazy("sales document", "Delivery")
    INVOICE = "invoice", _("Invoice")


class CaseSalesLink(models.Model):
    """A case (a complaint, an incident…) linked to one order, delivery or invoice of its
    entity's ERP customer; exactly one of the three is set.

    Written only by :mod:`relata.sales.services_links`, which checks that the document is
    the customer's. Seen by whoever sees the case (and the entity, for the document).
    """

    PERMISSION_PARENT: ClassVar[str] = "case"

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sales_links"
    )
    order = models.ForeignKey(
        SalesOrder,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_links",
    )
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_links",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_links",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case link to a sales document")
        verbose_name_plural = _("case links to sales documents")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(order__isnull=False, delivery__isnull=True, invoice__isnull=True)
                    | models.Q(order__isnull=True, delivery__isnull=False, invoice__isnull=True)
                    | models.Q(order__isnull=True, delivery__isnull=True, invoice__isnull=False)
                ),
                name="sales_caselink_one_document",
            ),
            models.UniqueConstraint(
                fields=["case", "order"],
                condition=models.Q(order__isnull=False),
                name="sales_caselink_unique_order",
            ),
            models.UniqueConstraint(
                fields=["case", "delivery"],
                condition=models.Q(delivery__isnull=False),
                name="sales_caselink_unique_delivery",
            ),
            models.UniqueConstraint(
                fields=["case", "invoice"],
                condition=models.Q(invoice__isnull=False),
                name="sales_caselink_unique_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.document}"

    @property
    def kind(self) -> str:
        if self.order_id is not None:
            return SalesDocumentKind.ORDER
        if self.delivery_id is not None:
            return SalesDocumentKind.DELIVERY
        return SalesDocumentKind.INVOICE

    @property
    def document(self) -> SalesOrder | Delivery | Invoice | None:
        return self.order or self.delivery or self.invoice
