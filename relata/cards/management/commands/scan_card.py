"""``relata scan-card IMAGE [--json]``: read a business card picture and print its fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relata.cards import imaging
from relata.cards.ocr import OcrUnavailableError
from relata.cards.recognition import recognise


class Command(BaseCommand):
    help = "Read a business card picture and print the proposed contact fields."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("image", help="the card picture (JPEG, PNG, WebP or HEIC)")
        parser.add_argument("--json", action="store_true", help="print the fields as JSON")
        parser.add_argument(
            "--region",
            default="ES",
            help="country of phone numbers written without a prefix (default ES)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["image"])
        try:
            with path.open("rb") as upload:
                data = imaging.read_upload(upload, path.stat().st_size)
            checked = imaging.check_image(data)
            recognition = recognise(checked.image, region=options["region"].upper())
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        except ValidationError as error:
            raise CommandError(f"{path}: {' '.join(error.messages)}") from error
        except OcrUnavailableError as error:
            raise CommandError(f"Tesseract is not available: {error}") from error
        fields = recognition.fields.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(fields, ensure_ascii=False, indent=2))
            return
        for name, value in fields.items():
            if name == "phones":
                value = ", ".join(f"{p['number']} ({p['type']}, {p['country']})" for p in value)
            elif isinstance(value, list):
                value = ", ".join(value)
            self.stdout.write(f"{name:12} {value}")
