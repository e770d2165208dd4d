"""Base serializer for every app: maps Relata's model fields to the right API fields."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from relata.core.emailaddress import (
    EMAIL_MAX_LENGTH,
    EmailAddressField,
    EmailAddressValidator,
    normalize_email_address,
)


class EmailAddressSerializerField(serializers.CharField):
    """An email address: normalised, then checked by the one RFC 3696 validator."""

    def __init__(self, **kwargs: Any) -> None:
        # Our validator gives the one clear length message; DRF's own would repeat it.
        kwargs.pop("max_length", None)
        kwargs["validators"] = [
            v for v in kwargs.get("validators", []) if not isinstance(v, EmailAddressValidator)
        ] + [EmailAddressValidator()]
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return normalize_email_address(super().to_internal_value(data))


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        EmailAddressField: EmailAddressSerializerField,
    }


__all__ = ["EMAIL_MAX_LENGTH", "EmailAddressSerializerField", "ModelSerializer"]
