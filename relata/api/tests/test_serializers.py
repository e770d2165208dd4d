"""The base serializer maps email fields to the normalising, RFC-checked API field."""

from __future__ import annotations

from relata.api.serializers import EmailAddressSerializerField, ModelSerializer
from relata.core.models import User


class UserEmailSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["email"]


def test_email_field_is_normalised():
    serializer = UserEmailSerializer(data={"email": "  Ana@Example.COM "})

    assert isinstance(serializer.fields["email"], EmailAddressSerializerField)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["email"] == "Ana@example.com"


def test_too_long_address_gives_one_clear_message():
    address = "a" * 64 + "@" + ".".join(["b" * 63] * 4)
    serializer = UserEmailSerializer(data={"email": address + "x"})

    assert not serializer.is_valid()
    assert len(serializer.errors["email"]) == 1
    assert "320" in serializer.errors["email"][0]


def test_long_local_part_is_refused():
    serializer = UserEmailSerializer(data={"email": "l" * 65 + "@example.com"})

    assert not serializer.is_valid()
    assert "64" in serializer.errors["email"][0]
