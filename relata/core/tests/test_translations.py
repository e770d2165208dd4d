"""English and Spanish ship complete: every message translated, the compiled file current."""

from __future__ import annotations

import re
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}")


def test_every_spanish_message_is_translated():
    catalogue = polib.pofile(str(LOCALE / "django.po"))

    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue.translated_entries()) > 300


def test_translations_keep_their_placeholders():
    catalogue = polib.pofile(str(LOCALE / "django.po"))

    def pairs(entry):  # (source, translation) for singular and plural entries alike
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            return [(entry.msgid, forms[0]), (entry.msgid_plural, forms[max(forms)])]
        return [(entry.msgid, entry.msgstr)]

    broken = [
        source
        for entry in catalogue.translated_entries()
        for source, translation in pairs(entry)
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation))
    ]

    assert broken == []


def test_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(LOCALE / "django.po")) if e.translated()}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(LOCALE / "django.mo")) if e.msgid}

    assert compiled == source, "run `make messages` and commit django.mo"
