"""Demo entities and contacts, fast enough for a million rows (bulk inserts, no services).

Every value is drawn from the run's seeded generator, so a seed gives the same data. Tax
ids carry valid check digits and phones are valid Spanish numbers, so that the demo data
passes the same validation as typed data.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from stdnum.es import cif, dni

from relata.core.demo_data import FIRST_NAMES, LAST_NAMES
from relata.core.demo_runner import DemoContext, step
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    KindMeaning,
    PhoneNumber,
    Sector,
    Source,
    Tag,
    Zone,
)

BATCH = 2_000
KINDS = [  # code, English, Spanish, meaning, share of entities
    ("customer", "Customer", "Cliente", KindMeaning.CUSTOMER, 45),
    ("prospect", "Prospect", "Cliente potencial", KindMeaning.PROSPECT, 35),
    ("supplier", "Supplier", "Proveedor", KindMeaning.SUPPLIER, 8),
    ("prescriber", "Prescriber", "Prescriptor", KindMeaning.PRESCRIBER, 6),
    ("partner", "Partner", "Socio", KindMeaning.PARTNER, 4),
    ("other", "Other", "Otro", KindMeaning.OTHER, 2),
]
SOURCES = [
    ("web", "Website", "Web"),
    ("fair", "Trade fair", "Feria"),
    ("referral", "Referral", "Recomendación"),
    ("cold-call", "Cold call", "Llamada en frío"),
    ("campaign", "Campaign", "Campaña"),
]
SECTORS = [
    ("food", "Food and drink", "Alimentación"),
    ("construction", "Construction", "Construcción"),
    ("retail", "Retail", "Comercio minorista"),
    ("health", "Health", "Sanidad"),
    ("industry", "Industry", "Industria"),
    ("tech", "Technology", "Tecnología"),
    ("tourism", "Tourism", "Turismo"),
    ("logistics", "Logistics", "Logística"),
]
ZONES = [  # code, English, Spanish, province, city, postal prefix, landline prefix
    ("north", "North", "Norte", "Bizkaia", "Bilbao", "48", "944"),
    ("centre", "Centre", "Centro", "Madrid", "Madrid", "28", "91"),
    ("east", "East", "Levante", "Valencia", "Valencia", "46", "96"),
    ("south", "South", "Sur", "Sevilla", "Sevilla", "41", "954"),
    ("northeast", "North-east", "Noreste", "Barcelona", "Barcelona", "08", "93"),
]
TAGS = ["VIP", "Key account", "Newsletter", "Trade fair 2026", "Distributor"]
COMPANY_WORDS = [
    "Aceros",
    "Bodegas",
    "Construcciones",
    "Distribuciones",
    "Electro",
    "Frutas",
    "Gráficas",
    "Hostelería",
    "Ingeniería",
    "Logística",
    "Muebles",
    "Naval",
    "Óptica",
    "Papelera",
    "Químicas",
    "Recambios",
    "Suministros",
    "Talleres",
    "Transportes",
    "Viajes",
]
PLACES = [
    "del Norte",
    "Levante",
    "Ibérica",
    "Atlántico",
    "del Sur",
    "Cantábrica",
    "Mediterránea",
    "Castellana",
    "Andaluza",
    "Galaica",
    "Vasca",
    "Balear",
    "Riojana",
    "Astur",
]
COMPANY_FORMS = ["S.L.", "S.A.", "S.L.U.", "S. Coop."]
JOBS = [
    "Gerente",
    "Director comercial",
    "Jefa de compras",
    "Responsable de calidad",
    "Administración",
    "Técnico de mantenimiento",
    "Directora financiera",
    "Comercial",
]
STREETS = [
    "Calle Mayor",
    "Avenida de la Constitución",
    "Calle Real",
    "Paseo de la Castellana",
    "Gran Vía",
    "Calle del Comercio",
    "Polígono Industrial Norte, nave",
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _lists() -> dict[str, list[Any]]:
    kinds = []
    for order, (code, en, es, meaning, _share) in enumerate(KINDS):
        kind, _created = EntityKind.objects.get_or_create(
            code=code, defaults={"label_en": en, "label_es": es, "meaning": meaning, "order": order}
        )
        kinds.append(kind)
    sources = [
        Source.objects.get_or_create(code=c, defaults={"label_en": en, "label_es": es, "order": i})[
            0
        ]
        for i, (c, en, es) in enumerate(SOURCES)
    ]
    sectors = [
        Sector.objects.get_or_create(code=c, defaults={"label_en": en, "label_es": es, "order": i})[
            0
        ]
        for i, (c, en, es) in enumerate(SECTORS)
    ]
    zones = [
        Zone.objects.get_or_create(
            code=z[0], defaults={"label_en": z[1], "label_es": z[2], "order": i}
        )[0]
        for i, z in enumerate(ZONES)
    ]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    return {"kinds": kinds, "sources": sources, "sectors": sectors, "zones": zones, "tags": tags}


def _landline(rng: random.Random, prefix: str) -> str:
    free = 9 - len(prefix)
    return f"+34{prefix}{rng.randrange(10**free):0{free}d}"


def _weight(ctx: DemoContext) -> int:
    return max(1, ctx.entities // BATCH + (1 if ctx.entities % BATCH else 0))


@step(30, "entities and contacts", weight=_weight)
def entities_and_contacts(ctx: DemoContext) -> None:
    lists = _lists()
    rng = ctx.rng
    users = [u for u in ctx.data.get("users", []) if u.role in ("agent", "manager")]
    kind_weights = [k[4] for k in KINDS]
    start = Entity.objects.count()
    Tagged = Entity.tags.through
    for batch_start in range(0, ctx.entities, BATCH):
        size = min(BATCH, ctx.entities - batch_start)
        entities, plans = [], []
        for n in range(size):
            serial = start + batch_start + n + 1
            zone_index = rng.randrange(len(ZONES))
            is_company = rng.random() < 0.85
            if is_company:
                name = (
                    f"{rng.choice(COMPANY_WORDS)} {rng.choice(PLACES)} {rng.choice(COMPANY_FORMS)}"
                )
                digits = f"B{serial % 10_000_000:07d}"
                tax_id = digits + cif.calc_check_digits(digits)[0]
            else:
                name = (
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"
                )
                number = f"{(serial * 7919) % 100_000_000:08d}"
                tax_id = number + dni.calc_check_digit(number)
            owner = rng.choice(users) if users and rng.random() < 0.9 else None
            team_ids = getattr(owner, "_demo_team_ids", None)
            if owner is not None and team_ids is None:
                team_ids = list(owner.teams.values_list("id", flat=True))
                owner._demo_team_ids = team_ids
            entity = Entity(
                kind=rng.choices(lists["kinds"], weights=kind_weights)[0],
                is_company=is_company,
                legal_name=name,
                tax_id=tax_id,
                website=f"https://www.{_ascii(name.split()[0])}{serial}.example"
                if is_company
                else "",
                source=rng.choice(lists["sources"]),
                sector=rng.choice(lists["sectors"]),
                zone=lists["zones"][zone_index],
                owner=owner,
                team_id=team_ids[0] if team_ids else None,
                is_active=rng.random() < 0.95,
                custom={
                    "employees": rng.randint(1, 500),
                    "preferred_channel": rng.choice(["phone", "email", "visit"]),
                },
            )
            entities.append(entity)
            plans.append(
                (
                    serial,
                    zone_index,
                    rng.choices([0, 1, 2, 3, 4, 5], weights=[4, 18, 30, 26, 13, 9])[0],
                )
            )
        Entity.objects.bulk_create(entities, batch_size=BATCH)
        contacts, addresses, emails, phones, tagged = [], [], [], [], []
        people: list[list[tuple[str, str]]] = []
        for entity, (serial, zone_index, n_contacts) in zip(entities, plans, strict=True):
            zone = ZONES[zone_index]
            addresses.append(
                Address(
                    entity=entity,
                    street=f"{rng.choice(STREETS)} {rng.randint(1, 150)}",
                    postal_code=f"{zone[5]}{rng.randint(1, 999):03d}",
                    city=zone[4],
                    province=zone[3],
                    country="ES",
                    is_main=True,
                )
            )
            domain = f"{_ascii(entity.legal_name.split()[0])}{serial}.example"
            emails.append(EmailAddress(entity=entity, email=f"info@{domain}", is_main=True))
            phones.append(
                PhoneNumber(
                    entity=entity,
                    is_main=True,
                    number=_landline(rng, zone[6]),
                )
            )
            if rng.random() < 0.15:
                tagged.append(Tagged(entity_id=entity.pk, tag_id=rng.choice(lists["tags"]).pk))
            names = []
            for _c in range(n_contacts):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                names.append((first, last))
                contacts.append(
                    Contact(
                        entity=entity,
                        first_name=first,
                        last_name=last,
                        job_title=rng.choice(JOBS),
                        language="es",
                        email_opt_in=rng.random() < 0.4,
                    )
                )
            people.append(names)
        Contact.objects.bulk_create(contacts, batch_size=BATCH)
        for contact in contacts:
            local = _ascii(f"{contact.first_name}.{contact.last_name}").replace(" ", "")
            emails.append(
                EmailAddress(
                    entity=contact.entity,
                    contact=contact,
                    is_main=True,
                    email=f"{local}@{_ascii(contact.entity.legal_name.split()[0])}"
                    f"{contact.entity.pk}.example",
                )
            )
            phones.append(
                PhoneNumber(
                    entity=contact.entity,
                    contact=contact,
                    is_main=True,
                    number=f"+346{rng.randint(0, 99_999_999):08d}",
                )
            )
        Address.objects.bulk_create(addresses, batch_size=BATCH)
        EmailAddress.objects.bulk_create(emails, batch_size=BATCH)
        PhoneNumber.objects.bulk_create(phones, batch_size=BATCH)
        Tagged.objects.bulk_create(tagged, batch_size=BATCH, ignore_conflicts=True)
        by_entity: dict[int, list[str]] = {}
        for email in emails:
            by_entity.setdefault(email.entity_id, []).append(email.email)
        for phone in phones:
            by_entity.setdefault(phone.entity_id, []).append(phone.number)
        for entity, names in zip(entities, people, strict=True):
            parts = [
                entity.legal_name,
                entity.tax_id,
                *by_entity.get(entity.pk, []),
                *(f"{f} {s}" for f, s in names),
            ]
            entity.search_text = " ".join(parts).lower()
        Entity.objects.bulk_update(entities, ["search_text"], batch_size=BATCH)
        ctx.advance()
    ctx.data["entity_lists"] = lists
