"""Seed the action types every installation starts with; administrators rename them."""

from django.db import migrations

TYPES = [
    # code, English, Spanish, icon, colour, minutes, meeting, needs outcome
    ("call", "Phone call", "Llamada telefónica", "telephone", "#0d6efd", 15, False, True),
    ("email", "Email", "Correo electrónico", "envelope", "#6f42c1", 15, False, False),
    ("visit", "Visit", "Visita", "geo-alt", "#198754", 60, True, True),
    ("documentation", "Sending documentation", "Envío de documentación", "file-earmark-text",
     "#20c997", 15, False, False),
    ("presentation", "Commercial presentation", "Presentación comercial", "easel", "#fd7e14",
     60, True, True),
    ("meeting", "Meeting", "Reunión", "people", "#d63384", 60, True, True),
    ("task", "Task", "Tarea", "check2-square", "#6c757d", 30, False, False),
]


def seed(apps, schema_editor):
    ActionType = apps.get_model("actions", "ActionType")
    for order, (code, en, es, icon, colour, minutes, meeting, outcome) in enumerate(TYPES):
        ActionType.objects.get_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_es": es,
                "icon": icon,
                "colour": colour,
                "default_duration": minutes,
                "is_meeting": meeting,
                "needs_outcome": outcome,
                "order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
