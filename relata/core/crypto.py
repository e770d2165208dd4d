"""Encryption at rest of secrets kept in the database (mail server passwords).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a
key derived with HKDF-SHA256 from ``RELATA_ENCRYPTION_KEY`` (setting or environment
variable) or, when that is not set, from ``SECRET_KEY``. Several comma-separated keys may
be given: the first encrypts, all of them decrypt (key rotation); ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS`` always decrypt too, so that setting a dedicated key later does not
lose what was saved before.

:class:`EncryptedTextField` stores ``fernet:<token>`` and gives back the plain text. A value
without the prefix (saved before the field was encrypted) is read as it is and encrypted
the next time it is saved. A value that no key opens (the key was lost or changed) reads
as an empty string and is logged: the administrator enters the password again.
"""

from __future__ import annotations

import base64
import logging
import os
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "fernet:"
_SALT = b"relata.core.crypto"
_INFO = b"database field encryption v1"


def derive_key(secret: str) -> bytes:
    """Return a Fernet key (urlsafe base64 of 32 bytes) derived from any secret text."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def _secrets() -> tuple[str, ...]:
    configured = getattr(settings, "RELATA_ENCRYPTION_KEY", "") or os.environ.get(
        "RELATA_ENCRYPTION_KEY", ""
    )
    keys = [k.strip() for k in str(configured).split(",") if k.strip()]
    keys += [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(dict.fromkeys(k for k in keys if k))


@lru_cache(maxsize=8)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(s)) for s in secrets])


def fernet() -> MultiFernet:
    """The current keys (cached per set of secrets, so changed settings take effect)."""
    return _fernet(_secrets())


def encrypt(text: str) -> str:
    """Return ``fernet:<token>`` for ``text`` (empty text stays empty)."""
    if not text:
        return ""
    return PREFIX + fernet().encrypt(text.encode()).decode()


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def decrypt(value: str) -> str:
    """Return the plain text of a stored value; plain (legacy) values are returned as is."""
    if not value or not is_encrypted(value):
        return value
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.error("A stored secret cannot be decrypted: was RELATA_ENCRYPTION_KEY changed?")
        return ""


class EncryptedTextField(models.TextField):
    """A text column holding an encrypted secret; Python code sees the plain text.

    Not searchable or orderable (each encryption differs): use it for secrets only.
    """

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if isinstance(value, str) and value and not is_encrypted(value):
            return encrypt(value)
        return value
