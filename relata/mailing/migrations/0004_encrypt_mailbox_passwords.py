"""Encrypt the mailbox passwords saved in clear before 0003 (see relata.core.crypto)."""

from django.db import migrations


def encrypt(apps, schema_editor):
    from relata.core.crypto import encrypt as seal
    from relata.core.crypto import is_encrypted

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, password FROM mailing_mailbox")
        rows = [(pk, value) for pk, value in cursor.fetchall() if value and not is_encrypted(value)]
        for pk, value in rows:
            cursor.execute(
                "UPDATE mailing_mailbox SET password = %s WHERE id = %s", [seal(value), pk]
            )


def decrypt(apps, schema_editor):
    from relata.core.crypto import decrypt as unseal
    from relata.core.crypto import is_encrypted

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, password FROM mailing_mailbox")
        rows = [(pk, value) for pk, value in cursor.fetchall() if value and is_encrypted(value)]
        for pk, value in rows:
            cursor.execute(
                "UPDATE mailing_mailbox SET password = %s WHERE id = %s", [unseal(value), pk]
            )


class Migration(migrations.Migration):
    dependencies = [("mailing", "0003_accounts")]

    operations = [migrations.RunPython(encrypt, decrypt)]
