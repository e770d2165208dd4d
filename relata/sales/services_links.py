"""Linking a case to an order, delivery or invoice of its customer, and unlinking it (R27).

Only the documents of the ERP customer linked to the case's entity may be linked: a
complaint about a delivery points at that customer's delivery, never another's. The user
must be allowed to change the case and to see its entity (whose sales documents these
are); refusals raise ``PermissionDenied``, bad input ``ValidationError`` keyed by field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relata.cases.models import Case
from relata.core import permissions
from relata.core.models import User
from relata.sales.models import CaseSalesLink, Customer
from relata.sales.selectors_links import DOCUMENT_MODELS


def _ensure_may_link(user: User, case: Case) -> None:
    permissions.ensure(
        permissions.can_change(user, case),
        _("You cannot change this case, so you cannot link documents to it."),
    )
    permissions.ensure(
        permissions.can_view(user, case.entity),
        _("You cannot see this entity's orders, deliveries and invoices."),
    )


def case_document_link(*, user: User, case: Case, kind: str, document_id: object) -> CaseSalesLink:
    """Link ``case`` to the ``kind`` ("order", "delivery", "invoice") document
    ``document_id`` of its entity's ERP customer; return the new link."""
    _ensure_may_link(user, case)
    model = DOCUMENT_MODELS.get(str(kind))
    if model is None:
        raise ValidationError({"kind": _("Choose an order, a delivery or an invoice.")})
    customer = Customer.objects.filter(entity_id=case.entity_id).first()
    if customer is None:
        raise ValidationError(
            {
                "document": _(
                    "This case's entity is not linked to an ERP customer: it has no orders, "
                    "deliveries or invoices to link."
                )
            }
        )
    try:
        pk = int(str(document_id))
    except ValueError:
        pk = 0
    document = model.objects.filter(pk=pk, customer=customer).first() if pk > 0 else None
    if document is None:
        # The same answer whether the document is missing or another customer's: the user
        # learns nothing about documents they may not see.
        raise ValidationError(
            {
                "document": _(
                    "Only the orders, deliveries and invoices of “%(customer)s”, the ERP "
                    "customer of this case's entity, may be linked to it."
                )
                % {"customer": customer.name}
            }
        )
    field = str(kind)
    already = _("%(document)s is already linked to this case.") % {"document": document.number}
    if CaseSalesLink.objects.filter(case=case, **{field: document}).exists():
        raise ValidationError({"document": already})
    try:
        with transaction.atomic():
            return CaseSalesLink.objects.create(case=case, created_by=user, **{field: document})
    except IntegrityError as error:  # linked at the same moment by someone else
        raise ValidationError({"document": already}) from error


def case_document_unlink(*, user: User, link: CaseSalesLink) -> None:
    """Remove a link (the document itself, the ERP's, is untouched)."""
    _ensure_may_link(user, link.case)
    link.delete()
