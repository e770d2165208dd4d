"""``relata scan-card IMAGE --json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relata.cards.tests.conftest import card_path, expected

pytestmark = pytest.mark.django_db
KEYS = [
    "given_name",
    "family_name",
    "job_title",
    "company",
    "emails",
    "phones",
    "website",
    "address",
    "tax_id",
]


def test_json_output_has_the_fields():
    out = StringIO()

    call_command("scan_card", str(card_path("16")), "--json", stdout=out)

    printed = json.loads(out.getvalue())
    assert list(printed) == KEYS
    assert printed == expected("16")


def test_not_an_image_is_a_command_error(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")

    with pytest.raises(CommandError, match="not a picture Relata can read"):
        call_command("scan_card", str(text), "--json")
    with pytest.raises(CommandError, match="No such file"):
        call_command("scan_card", str(tmp_path / "missing.jpg"))


def test_relata_scan_card_from_the_shell(tmp_path):
    env = {**os.environ, "RELATA_DATA_DIR": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, "-m", "relata", "scan-card", str(card_path("09")), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected("09")
