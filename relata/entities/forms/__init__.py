"""Forms of the entity and contact pages.

The record forms only shape input for the services, and the services' field errors come
back to the right inputs through :func:`apply_service_errors`.
"""

from relata.entities.forms.common import (
    ADDRESS_FIELDS,
    ADDRESS_SLOTS,
    EMAIL_SLOTS,
    PAGE_SIZES,
    PHONE_SLOTS,
    apply_service_errors,
)
from relata.entities.forms.lists import (
    DEFAULT_COLUMNS,
    BulkAssignForm,
    BulkTagForm,
    EntityFilterForm,
    columns_available,
)
from relata.entities.forms.records import ContactForm, EntityForm, EntityPickForm
from relata.entities.forms.settings import ClassificationForm

__all__ = [
    "ADDRESS_FIELDS",
    "ADDRESS_SLOTS",
    "DEFAULT_COLUMNS",
    "EMAIL_SLOTS",
    "PAGE_SIZES",
    "PHONE_SLOTS",
    "BulkAssignForm",
    "BulkTagForm",
    "ClassificationForm",
    "ContactForm",
    "EntityFilterForm",
    "EntityForm",
    "EntityPickForm",
    "apply_service_errors",
    "columns_available",
]
