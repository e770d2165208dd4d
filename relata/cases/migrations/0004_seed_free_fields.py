"""Give every case type the five free-use fields of R20 (text, text, number, date, yes/no)."""

from django.db import migrations

from relata.cases.free_fields import FREE_FIELDS, FREE_FIELDS_FIRST_ORDER


def seed(apps, schema_editor):
    CaseType = apps.get_model("cases", "CaseType")
    FieldDefinition = apps.get_model("customfields", "FieldDefinition")
    for case_type in CaseType.objects.all():
        for offset, (key, field_type, label_en, label_es) in enumerate(FREE_FIELDS):
            FieldDefinition.objects.get_or_create(
                target="case",
                scope=case_type.code,
                key=key,
                defaults={
                    "field_type": field_type,
                    "label_en": label_en,
                    "label_es": label_es,
                    "order": FREE_FIELDS_FIRST_ORDER + offset,
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_campaign_and_lines"),
        ("customfields", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
