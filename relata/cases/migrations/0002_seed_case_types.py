"""Seed the case types and statuses every installation starts with; administrators rename
them, add statuses and set the statuses allowed next."""

from django.db import migrations

TYPES = [
    # code, English, Spanish, prefix, opportunity, service level hours, statuses
    (
        "opportunity",
        "Sales opportunity",
        "Oportunidad de venta",
        "OPP",
        True,
        None,
        [
            # code, English, Spanish, colour, probability, meaning
            ("identifying_needs", "Identifying needs", "Identificación de necesidades",
             "#0dcaf0", 10, "open"),
            ("presenting_solutions", "Presenting solutions", "Presentación de soluciones",
             "#0d6efd", 30, "open"),
            ("decision", "Decision", "Decisión", "#6f42c1", 60, "open"),
            ("decision_postponed", "Decision postponed", "Decisión aplazada", "#fd7e14", 20,
             "open"),
            ("won", "Closed won", "Cerrada ganada", "#198754", 100, "won"),
            ("lost", "Closed lost", "Cerrada perdida", "#dc3545", 0, "lost"),
        ],
    ),
    (
        "lead",
        "Lead capture",
        "Captación de cliente potencial",
        "LEAD",
        False,
        None,
        [
            ("new", "New", "Nuevo", "#0dcaf0", 0, "open"),
            ("qualifying", "Qualifying", "En calificación", "#0d6efd", 0, "open"),
            ("converted", "Converted", "Convertido", "#198754", 0, "won"),
            ("discarded", "Discarded", "Descartado", "#dc3545", 0, "lost"),
        ],
    ),
    (
        "complaint",
        "Complaint",
        "Reclamación",
        "COMP",
        False,
        48,
        [
            ("received", "Received", "Recibida", "#0dcaf0", 0, "open"),
            ("investigating", "Investigating", "En investigación", "#0d6efd", 0, "open"),
            ("resolved", "Resolved", "Resuelta", "#198754", 0, "closed"),
            ("rejected", "Rejected", "Rechazada", "#6c757d", 0, "closed"),
        ],
    ),
    (
        "incident",
        "Incident",
        "Incidencia",
        "INC",
        False,
        24,
        [
            ("reported", "Reported", "Comunicada", "#0dcaf0", 0, "open"),
            ("in_progress", "In progress", "En curso", "#0d6efd", 0, "open"),
            ("waiting_customer", "Waiting for the customer", "Pendiente del cliente",
             "#fd7e14", 0, "open"),
            ("resolved", "Resolved", "Resuelta", "#198754", 0, "closed"),
        ],
    ),
    (
        "service_request",
        "Service request",
        "Solicitud de servicio",
        "SRQ",
        False,
        72,
        [
            ("received", "Received", "Recibida", "#0dcaf0", 0, "open"),
            ("in_progress", "In progress", "En curso", "#0d6efd", 0, "open"),
            ("completed", "Completed", "Completada", "#198754", 0, "closed"),
            ("cancelled", "Cancelled", "Cancelada", "#6c757d", 0, "closed"),
        ],
    ),
]


def seed(apps, schema_editor):
    CaseType = apps.get_model("cases", "CaseType")
    CaseStatus = apps.get_model("cases", "CaseStatus")
    for type_order, (code, en, es, prefix, opportunity, hours, statuses) in enumerate(TYPES):
        case_type, _created = CaseType.objects.get_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_es": es,
                "number_prefix": prefix,
                "is_opportunity": opportunity,
                "service_level_hours": hours,
                "order": type_order * 10,
            },
        )
        for order, (s_code, s_en, s_es, colour, probability, meaning) in enumerate(statuses):
            CaseStatus.objects.get_or_create(
                case_type=case_type,
                code=s_code,
                defaults={
                    "name_en": s_en,
                    "name_es": s_es,
                    "colour": colour,
                    "default_probability": probability,
                    "meaning": meaning,
                    "order": order * 10,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
