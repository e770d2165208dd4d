"""Demo custom fields: a few of the kind an administrator adds in the first week."""

from __future__ import annotations

from typing import Any

from relata.core.demo_runner import DemoContext, step
from relata.customfields.models import FieldDefinition, FieldType, Target


def _choices(*items: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"value": v, "label_en": en, "label_es": es} for v, en, es in items]


FIELDS: list[dict[str, Any]] = [
    dict(
        target=Target.ENTITY,
        key="employees",
        label_en="Employees",
        label_es="Número de empleados",
        field_type=FieldType.INTEGER,
        show_in_list=True,
        show_in_filters=True,
    ),
    dict(
        target=Target.ENTITY,
        key="annual_revenue",
        label_en="Annual revenue",
        label_es="Facturación anual",
        field_type=FieldType.MONEY,
        show_in_filters=True,
    ),
    dict(
        target=Target.ENTITY,
        key="preferred_channel",
        label_en="Preferred channel",
        label_es="Canal preferido",
        field_type=FieldType.CHOICE,
        choices=_choices(
            ("phone", "Phone", "Teléfono"),
            ("email", "Email", "Correo"),
            ("visit", "Visit", "Visita"),
        ),
        default="email",
        show_in_list=True,
        show_in_filters=True,
    ),
    dict(
        target=Target.ENTITY,
        key="marketing_consent",
        label_en="Marketing consent",
        label_es="Consentimiento comercial",
        field_type=FieldType.BOOLEAN,
        default=False,
        help_text_en="The entity agreed to receive commercial email (GDPR).",
        help_text_es="La entidad aceptó recibir correo comercial (RGPD).",
    ),
    dict(
        target=Target.CONTACT,
        key="birthday",
        label_en="Birthday",
        label_es="Cumpleaños",
        field_type=FieldType.DATE,
    ),
    dict(
        target=Target.CONTACT,
        key="linkedin",
        label_en="LinkedIn profile",
        label_es="Perfil de LinkedIn",
        field_type=FieldType.URL,
    ),
    dict(
        target=Target.CASE,
        key="competitor",
        label_en="Competitor",
        label_es="Competidor",
        field_type=FieldType.TEXT,
        help_text_en="Who else the customer is talking to.",
        help_text_es="Con quién más está hablando el cliente.",
    ),
]


@step(20, "custom fields")
def custom_fields(ctx: DemoContext) -> None:
    for order, spec in enumerate(FIELDS, start=1):
        definition = FieldDefinition.objects.filter(
            target=spec["target"], scope="", key=spec["key"]
        ).first()
        if definition is None:
            definition = FieldDefinition(order=order, **spec)
            definition.full_clean()
            definition.save()
