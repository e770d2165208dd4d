"""Demo cases: a product catalogue, three campaigns, opportunities in every status with
product lines, and after-sales cases (complaints, incidents, service requests).

Bulk inserts like the other demo steps; numbers follow each type's sequence and the
sequence rows are left where a new case continues them. Each case gets its opening status
change and, when it has moved, the move to its current status.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from relata.actions.models import Action, ActionStatus
from relata.campaigns.models import Campaign
from relata.cases import services
from relata.cases.models import (
    Case,
    CaseLine,
    CasePriority,
    CaseSequence,
    CaseStatus,
    CaseStatusChange,
    CaseType,
    StatusMeaning,
)
from relata.core.demo_runner import DemoContext, step
from relata.entities.models import Contact, Entity, Source
from relata.products.models import Product, ProductFamily

BATCH = 2_000
D = decimal.Decimal
FAMILIES = [  # code, English, Spanish
    ("software", "Software", "Software"),
    ("hardware", "Hardware", "Hardware"),
    ("services", "Professional services", "Servicios profesionales"),
    ("maintenance", "Maintenance", "Mantenimiento"),
]
PRODUCTS = [  # code, family, English, Spanish, price
    ("ERP-BASE", "software", "ERP base licence", "Licencia ERP base", "4800.00"),
    ("ERP-USER", "software", "ERP user licence", "Licencia de usuario ERP", "350.00"),
    ("CRM-USER", "software", "CRM user licence", "Licencia de usuario CRM", "240.00"),
    ("BI-PACK", "software", "Business intelligence pack", "Paquete de inteligencia", "1900.00"),
    ("SRV-RACK", "hardware", "Rack server", "Servidor en rack", "3650.00"),
    ("TERM-POS", "hardware", "Point-of-sale terminal", "Terminal punto de venta", "890.00"),
    ("SCAN-HH", "hardware", "Handheld scanner", "Lector portátil", "420.00"),
    ("IMPL-DAY", "services", "Implementation day", "Jornada de implantación", "640.00"),
    ("TRAIN-DAY", "services", "Training day", "Jornada de formación", "520.00"),
    ("MIGR", "services", "Data migration", "Migración de datos", "2400.00"),
    ("MNT-STD", "maintenance", "Standard maintenance (year)", "Mantenimiento estándar", "1200.00"),
    ("MNT-PREM", "maintenance", "Premium support (year)", "Soporte prémium (año)", "2900.00"),
]
CAMPAIGNS = [  # code, name, start offset days, length days
    ("spring-fair", "Spring trade fair", -75, 5),
    ("renewal-drive", "Maintenance renewal drive", -40, 90),
    ("erp-webinars", "ERP webinar series", 10, 60),
]
OPPORTUNITY_SUBJECTS = [
    "ERP roll-out for the new plant",
    "CRM licences for the sales team",
    "Point-of-sale renewal",
    "Warehouse scanners",
    "Maintenance renewal",
    "Business intelligence pilot",
    "Server replacement",
    "Training plan for the year",
]
AFTER_SALES_SUBJECTS = {
    "complaint": ["Late delivery", "Invoice does not match the order", "Damaged goods"],
    "incident": ["Terminal does not start", "Printer not printing tickets", "Sync error"],
    "service_request": ["Add two users", "Move the server", "New report needed"],
    "lead": ["Asked for information at the fair", "Website enquiry", "Referred by a partner"],
}
LOST_REASONS = ["Price", "Chose a competitor", "Project postponed", "No budget"]
RESOLUTIONS = ["Replaced the part", "Credit note issued", "Configured on site", "Explained"]
# How an opportunity's status is drawn: code → weight.
OPPORTUNITY_SPREAD = {
    "identifying_needs": 5,
    "presenting_solutions": 4,
    "decision": 3,
    "decision_postponed": 1,
    "won": 3,
    "lost": 2,
}


def _weight(ctx: DemoContext) -> int:
    return max(1, ctx.entities // BATCH + (1 if ctx.entities % BATCH else 0))


def _catalogue(ctx: DemoContext) -> list[Product]:
    families = {}
    for order, (code, en, es) in enumerate(FAMILIES):
        families[code], _new = ProductFamily.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_es": es, "order": order}
        )
    for code, family, en, es, price in PRODUCTS:
        Product.objects.get_or_create(
            code=code,
            defaults={
                "family": families[family],
                "name_en": en,
                "name_es": es,
                "unit_price": D(price),
            },
        )
    today = timezone.localdate()
    for code, name, offset, length in CAMPAIGNS:
        start = today + datetime.timedelta(days=offset)
        Campaign.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "starts_on": start,
                "ends_on": start + datetime.timedelta(days=length),
            },
        )
    return list(Product.objects.filter(is_active=True).order_by("pk"))


class _Numbers:
    """Hands out case numbers per type and year, continuing the sequence rows."""

    def __init__(self) -> None:
        self.last: dict[tuple[int, int], int] = {
            (s.case_type_id, s.year): s.last_value for s in CaseSequence.objects.all()
        }

    def next(self, case_type: CaseType, year: int) -> str:
        key = (case_type.pk, year)
        self.last[key] = self.last.get(key, 0) + 1
        return f"{case_type.number_prefix}-{year}-{self.last[key]:05d}"

    def save(self) -> None:
        for (type_id, year), value in self.last.items():
            CaseSequence.objects.update_or_create(
                case_type_id=type_id, year=year, defaults={"last_value": value}
            )


@step(35, "products, campaigns and cases", weight=_weight)
def cases(ctx: DemoContext) -> None:
    rng = ctx.rng
    products = _catalogue(ctx)
    types = {t.code: t for t in CaseType.objects.filter(is_active=True)}
    if "opportunity" not in types:
        return
    statuses: dict[str, dict[str, CaseStatus]] = defaultdict(dict)
    for status in CaseStatus.objects.filter(is_active=True).select_related("case_type"):
        statuses[status.case_type.code][status.code] = status
    campaigns = list(Campaign.objects.order_by("pk"))
    sources = list(Source.objects.order_by("pk"))
    numbers = _Numbers()
    now = timezone.now()
    rows = list(
        Entity.objects.exclude(owner=None).order_by("pk").values_list("pk", "owner_id", "team_id")
    )
    for batch_start in range(0, len(rows), BATCH):
        batch = rows[batch_start : batch_start + BATCH]
        contact_of: dict[int, int] = {}
        for entity_id, contact_id in Contact.objects.filter(
            entity_id__in=[r[0] for r in batch]
        ).values_list("entity_id", "pk"):
            contact_of.setdefault(entity_id, contact_id)
        new: list[Case] = []
        lines_of: dict[int, list[CaseLine]] = {}
        first_status: dict[int, CaseStatus] = {}
        for entity_id, owner_id, team_id in batch:
            if rng.random() < 0.55:
                continue
            for _n in range(rng.choice([1, 1, 1, 2])):
                code = rng.choices(
                    ["opportunity", "complaint", "incident", "service_request", "lead"],
                    [14, 2, 2, 2, 1],
                )[0]
                case_type = types.get(code)
                if case_type is None or not statuses[code]:
                    continue
                opened = now - datetime.timedelta(
                    days=rng.randint(0, 150), minutes=rng.randint(0, 600)
                )
                case = Case(
                    number=numbers.next(case_type, timezone.localtime(opened).year),
                    case_type=case_type,
                    entity_id=entity_id,
                    contact_id=contact_of.get(entity_id) if rng.random() < 0.8 else None,
                    owner_id=owner_id,
                    team_id=team_id,
                    created_by_id=owner_id,
                    opened_at=opened,
                    priority=rng.choices(
                        [CasePriority.NORMAL, CasePriority.HIGH, CasePriority.LOW, "urgent"],
                        [6, 2, 2, 1],
                    )[0],
                    source=rng.choice(sources) if sources and rng.random() < 0.6 else None,
                )
                ordered = list(statuses[code].values())
                first_status[len(new)] = ordered[0]
                if case_type.is_opportunity:
                    status_code = rng.choices(
                        list(OPPORTUNITY_SPREAD), list(OPPORTUNITY_SPREAD.values())
                    )[0]
                    case.status = statuses[code].get(status_code, ordered[0])
                    case.subject = rng.choice(OPPORTUNITY_SUBJECTS)
                    case.campaign = rng.choice(campaigns) if rng.random() < 0.3 else None
                    case.expected_close_date = timezone.localdate(opened) + datetime.timedelta(
                        days=rng.randint(20, 140)
                    )
                    lines = []
                    for order in range(rng.randint(1, 3)):
                        product = rng.choice(products)
                        line = CaseLine(
                            product=product,
                            quantity=D(rng.choice([1, 1, 2, 3, 5, 10])),
                            unit_price=product.unit_price,
                            discount=D(rng.choice([0, 0, 0, 5, 10, 15])),
                            order=order,
                        )
                        line.amount = line.compute_amount()
                        lines.append(line)
                    lines_of[len(new)] = lines
                    case.amount = sum((line.amount for line in lines), D("0.00"))
                else:
                    case.subject = rng.choice(AFTER_SALES_SUBJECTS.get(code, ["Request"]))
                    closed = rng.random() < 0.4 and len(ordered) > 1
                    final = [s for s in ordered if not s.is_open]
                    case.status = rng.choice(final) if closed and final else ordered[0]
                    if case_type.service_level_hours:
                        case.due_at = opened + datetime.timedelta(
                            hours=case_type.service_level_hours
                        )
                    if not case.status.is_open:
                        case.resolution = rng.choice(RESOLUTIONS)
                if case.status.meaning == StatusMeaning.LOST:
                    case.lost_reason = rng.choice(LOST_REASONS)
                if not case.status.is_open:
                    case.closed_at = min(now, opened + datetime.timedelta(days=rng.randint(1, 30)))
                # In its current status since its opening, or since the one move recorded below.
                case.status_since = (
                    opened
                    if case.status.pk == ordered[0].pk
                    else case.closed_at
                    or min(now, opened + datetime.timedelta(days=rng.randint(1, 20)))
                )
                new.append(case)
        Case.objects.bulk_create(new, batch_size=BATCH)
        saved = list(Case.objects.filter(number__in=[c.number for c in new]).order_by("pk"))
        by_number = {c.number: c for c in saved}
        changes: list[CaseStatusChange] = []
        all_lines: list[CaseLine] = []
        for index, case in enumerate(new):
            stored = by_number[case.number]
            opening = first_status[index]
            changes.append(
                CaseStatusChange(
                    case=stored,
                    from_status=None,
                    to_status=opening,
                    changed_by_id=case.owner_id,
                    changed_at=case.opened_at,
                )
            )
            if case.status.pk != opening.pk:
                moved = case.status_since
                changes.append(
                    CaseStatusChange(
                        case=stored,
                        from_status=opening,
                        to_status=case.status,
                        changed_by_id=case.owner_id,
                        changed_at=moved,
                        seconds_in_previous=int((moved - case.opened_at).total_seconds()),
                    )
                )
            for line in lines_of.get(index, []):
                line.case = stored
                all_lines.append(line)
        CaseStatusChange.objects.bulk_create(changes, batch_size=BATCH)
        CaseLine.objects.bulk_create(all_lines, batch_size=BATCH)
        ctx.advance()
    numbers.save()
    ctx.notes.append(
        f"Cases: {Case.objects.count()} "
        f"({Case.objects.filter(case_type__is_opportunity=True).count()} opportunities)"
    )


@step(45, "actions on cases")
def actions_on_cases(ctx: DemoContext) -> None:
    """Tie each open opportunity's entity's planned actions to it, and some done ones."""
    open_cases = dict(
        Case.objects.filter(status__meaning=StatusMeaning.OPEN, case_type__is_opportunity=True)
        .order_by("entity_id", "-opened_at")
        .values_list("entity_id", "pk")
    )
    if not open_cases:
        return
    by_case: dict[int, list[int]] = defaultdict(list)
    for action_id, entity_id, status in Action.objects.filter(
        Q(entity_id__in=list(open_cases)), case__isnull=True
    ).values_list("pk", "entity_id", "status"):
        if status == ActionStatus.PLANNED or ctx.rng.random() < 0.5:
            by_case[open_cases[entity_id]].append(action_id)
    for case_id, action_ids in by_case.items():
        Action.objects.filter(pk__in=action_ids).update(case_id=case_id)
    # Written in bulk, so the cases' next planned action is set here rather than by the
    # action services.
    services.case_next_action_refresh(by_case)
