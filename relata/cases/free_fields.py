"""The five free-use fields (R20) every case type starts with.

They are ordinary custom fields scoped to the type, so administrators rename, switch off or
add to them on the custom-fields pages. This module is plain data so that the seeding
migration and :func:`relata.cases.services.free_fields_seed` share it.
"""

from __future__ import annotations

# (key, field type, English label, Spanish label)
FREE_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("free_text_1", "text", "Free text 1", "Texto libre 1"),
    ("free_text_2", "text", "Free text 2", "Texto libre 2"),
    ("free_number", "decimal", "Free number", "Número libre"),
    ("free_date", "date", "Free date", "Fecha libre"),
    ("free_yes_no", "boolean", "Free yes/no", "Sí/no libre"),
)
FREE_FIELDS_FIRST_ORDER = 900
