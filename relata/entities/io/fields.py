"""What a column of an import file can become, and the guess made from its header.

Each target field knows the header names that suggest it, in English and Spanish; a
header matches when it is equal to one of them after :func:`~.cells.fold_text` (lower
case, no accents, punctuation as spaces), with a trailing number ignored so that
"Email 2" is an email too. The column labels of Relata's own export, in both languages,
are among them, so an exported file maps itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from relata.customfields import selectors as field_selectors
from relata.entities.io.cells import fold_text

ENTITY = "entity"
CONTACT = "contact"
TARGETS = (ENTITY, CONTACT)
CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class TargetField:
    key: str
    label: str | Promise
    aliases: tuple[str, ...] = ()
    # Several columns may feed it (emails, phones, tags); the others take one column.
    multiple: bool = False

    def names(self) -> set[str]:
        """Return the folded header names that suggest this field, its own label included."""
        names = {fold_text(alias) for alias in self.aliases}
        for language in ("en", "es"):
            with translation.override(language):
                names.add(fold_text(str(self.label)))
        return names


_EMAIL = TargetField(
    "email",
    _("Email"),
    (
        "email",
        "e-mail",
        "mail",
        "email address",
        "e-mail address",
        "emails",
        "correo",
        "correo electrónico",
        "email principal",
        "dirección de correo",
    ),
    multiple=True,
)
_PHONE = TargetField(
    "phone",
    _("Phone"),
    (
        "phone",
        "phones",
        "telephone",
        "phone number",
        "tel",
        "mobile",
        "mobile phone",
        "cell",
        "cell phone",
        "teléfono",
        "teléfonos",
        "tfno",
        "tlf",
        "móvil",
        "teléfono móvil",
        "teléfono fijo",
    ),
    multiple=True,
)
_NOTES = TargetField(
    "notes", _("Notes"), ("notes", "note", "comments", "notas", "observaciones", "comentarios")
)
_ACTIVE = TargetField("is_active", _("Active"), ("active", "is active", "activo", "activa"))

ENTITY_FIELDS: tuple[TargetField, ...] = (
    TargetField(
        "legal_name",
        _("Legal name"),
        (
            "legal name",
            "name",
            "company name",
            "business name",
            "account name",
            "razón social",
            "nombre",
            "nombre fiscal",
            "denominación social",
            "denominación",
            "nombre de la empresa",
        ),
    ),
    TargetField(
        "trade_name",
        _("Trade name"),
        ("trade name", "commercial name", "trading name", "brand", "nombre comercial", "marca"),
    ),
    TargetField(
        "is_company",
        _("Company or person"),
        ("company or person", "is company", "empresa o persona", "tipo de persona", "es empresa"),
    ),
    TargetField(
        "kind",
        _("Kind"),
        ("kind", "type", "entity kind", "entity type", "tipo", "tipo de entidad", "clase"),
    ),
    TargetField(
        "tax_id",
        _("Tax ID"),
        (
            "tax id",
            "tax number",
            "vat",
            "vat number",
            "vat id",
            "nif",
            "cif",
            "nie",
            "dni",
            "nif/cif",
            "cif/nif",
            "nif-cif",
            "nif cif",
            "id fiscal",
            "identificación fiscal",
            "número fiscal",
            "n.i.f.",
            "c.i.f.",
        ),
    ),
    _EMAIL,
    _PHONE,
    TargetField(
        "website",
        _("Website"),
        ("website", "web", "web site", "url", "página web", "sitio web", "web page"),
    ),
    TargetField(
        "street",
        _("Street"),
        ("street", "address", "address line", "dirección", "calle", "domicilio"),
    ),
    TargetField(
        "postal_code",
        _("Postal code"),
        ("postal code", "postcode", "zip", "zip code", "código postal", "cp", "c.p."),
    ),
    TargetField(
        "city",
        _("City"),
        ("city", "town", "ciudad", "localidad", "población", "municipio"),
    ),
    TargetField("province", _("Province"), ("province", "state", "region", "provincia", "región")),
    TargetField("country", _("Country"), ("country", "country code", "país", "código de país")),
    TargetField("source", _("Source"), ("source", "lead source", "origin", "fuente", "origen")),
    TargetField(
        "sector",
        _("Sector"),
        ("sector", "industry", "activity", "actividad", "sector de actividad"),
    ),
    TargetField("zone", _("Zone"), ("zone", "territory", "area", "zona", "territorio")),
    TargetField(
        "owner",
        _("Owner"),
        (
            "owner",
            "assigned to",
            "agent",
            "sales rep",
            "account owner",
            "responsable",
            "agente",
            "comercial",
            "propietario",
            "asignado a",
        ),
    ),
    TargetField("team", _("Team"), ("team", "sales team", "equipo")),
    TargetField(
        "tags", _("Tags"), ("tags", "tag", "labels", "etiquetas", "etiqueta"), multiple=True
    ),
    _ACTIVE,
    _NOTES,
)

CONTACT_FIELDS: tuple[TargetField, ...] = (
    TargetField(
        "entity_tax_id",
        _("Entity tax ID"),
        (
            "entity tax id",
            "company tax id",
            "company vat",
            "tax id",
            "nif",
            "cif",
            "nif/cif",
            "cif/nif",
            "nif de la entidad",
            "cif de la empresa",
            "nif de la empresa",
            "nif empresa",
            "cif empresa",
        ),
    ),
    TargetField(
        "entity_name",
        _("Entity"),
        (
            "entity",
            "company",
            "company name",
            "organisation",
            "organization",
            "account",
            "account name",
            "entidad",
            "empresa",
            "razón social",
            "organización",
            "cliente",
        ),
    ),
    TargetField(
        "first_name",
        _("First name"),
        ("first name", "given name", "name", "nombre", "nombre de pila"),
    ),
    TargetField(
        "last_name",
        _("Last name"),
        ("last name", "surname", "family name", "surnames", "apellidos", "apellido"),
    ),
    TargetField(
        "job_title",
        _("Job title"),
        ("job title", "title", "position", "role", "cargo", "puesto", "puesto de trabajo"),
    ),
    TargetField("department", _("Department"), ("department", "departamento", "área")),
    _EMAIL,
    _PHONE,
    TargetField(
        "language",
        _("Language"),
        ("language", "preferred language", "idioma", "lengua", "idioma preferido"),
    ),
    TargetField(
        "birthday",
        _("Birthday"),
        ("birthday", "birth date", "date of birth", "cumpleaños", "fecha de nacimiento"),
    ),
    TargetField(
        "email_opt_in",
        _("Accepts marketing email"),
        (
            "email opt-in",
            "opt-in",
            "marketing consent",
            "newsletter",
            "acepta publicidad",
            "consentimiento",
            "acepta comunicaciones comerciales",
        ),
    ),
    TargetField(
        "email_opt_in_source",
        _("Opt-in source"),
        ("opt-in source", "consent source", "origen del consentimiento"),
    ),
    _ACTIVE,
    _NOTES,
)

BUILT_IN = {ENTITY: ENTITY_FIELDS, CONTACT: CONTACT_FIELDS}


def target_fields(target: str) -> list[TargetField]:
    """Return the fields a column of a ``target`` import can feed, custom fields last."""
    fields = list(BUILT_IN[target])
    for definition in field_selectors.field_definitions(target=target):
        fields.append(
            TargetField(
                f"{CUSTOM_PREFIX}{definition.key}",
                definition.label,
                (definition.key, definition.label_en, definition.label_es),
            )
        )
    return fields


def _folded_header(header: str) -> tuple[str, str]:
    folded = fold_text(header)
    return folded, re.sub(r"\s*\d+$", "", folded)


def guess_mapping(headers: list[str], fields: list[TargetField]) -> list[str]:
    """Return the guessed field key of each header ("" when none), each field used once
    unless it takes several columns. Custom fields are matched first: an administrator
    who names a field "Zone" means that one."""
    ordered = [f for f in fields if f.key.startswith(CUSTOM_PREFIX)] + [
        f for f in fields if not f.key.startswith(CUSTOM_PREFIX)
    ]
    names = [(f, f.names()) for f in ordered]
    used: set[str] = set()
    mapping: list[str] = []
    for header in headers:
        exact, stem = _folded_header(header)
        choice = ""
        for candidate in (exact, stem):
            match = next(
                (
                    f
                    for f, known in names
                    if candidate in known and (f.multiple or f.key not in used)
                ),
                None,
            )
            if match:
                choice = match.key
                break
        used.add(choice)
        mapping.append(choice)
    return mapping


def mapping_errors(
    *, target: str, mapping: list[str], headers: list[str], has_default_kind: bool = False
) -> list[str]:
    """Return what is wrong with a column mapping: a one-column field chosen twice, or a
    field the import needs left out."""
    fields = {f.key: f for f in target_fields(target)}
    errors: list[str] = []
    chosen: dict[str, list[str]] = {}
    for header, key in zip(headers, mapping, strict=False):
        if key:
            chosen.setdefault(key, []).append(header)
    for key, columns in chosen.items():
        if key not in fields:
            errors.append(gettext("“%(key)s” is not a field of this import.") % {"key": key})
        elif len(columns) > 1 and not fields[key].multiple:
            errors.append(
                gettext("“%(field)s” is chosen for several columns (%(columns)s): keep one.")
                % {"field": fields[key].label, "columns": ", ".join(columns)}
            )
    if target == ENTITY:
        if "legal_name" not in chosen:
            errors.append(gettext("Choose the column that holds the legal name."))
        if "kind" not in chosen and not has_default_kind:
            errors.append(
                gettext("Choose the column that holds the kind, or a kind for every row.")
            )
    else:
        if "first_name" not in chosen:
            errors.append(gettext("Choose the column that holds the first name."))
        if "entity_tax_id" not in chosen and "entity_name" not in chosen:
            errors.append(
                gettext(
                    "Choose the column that identifies the entity: its tax id or its legal name."
                )
            )
    return errors
