import pytest
from rest_framework.test import APIClient

from relata.cases.tests.conftest import *  # noqa: F403
from relata.entities.models import EntityKind, KindMeaning
from relata.sales.tokens import integration_token_create


@pytest.fixture
def kinds(db):
    customer, _ = EntityKind.objects.get_or_create(
        code="customer",
        defaults={"label_en": "Customer", "label_es": "Cliente", "meaning": KindMeaning.CUSTOMER},
    )
    prospect, _ = EntityKind.objects.get_or_create(
        code="prospect",
        defaults={"label_en": "Prospect", "label_es": "Posible", "meaning": KindMeaning.PROSPECT},
    )
    return {"customer": customer, "prospect": prospect}


@pytest.fixture
def token_pair(admin_user, kinds):
    return integration_token_create(user=admin_user, name="ERP")


@pytest.fixture
def token(token_pair):
    return token_pair[0]


@pytest.fixture
def erp(token_pair):
    """An API client authenticated with the integration token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair[1]}")
    return client


def customer_payload(external_id="C001", **overrides):
    data = {
        "external_id": external_id,
        "code": "C001",
        "name": "Ferreterías Norte SL",
        "tax_id": "B-1234567 4",
        "payment_terms": "30 days",
        "price_list": "WHOLESALE",
        "credit_limit": "15000.00",
        "currency": "EUR",
        "commercial_conditions": {"discount": 5},
        "email": "compras@ferreterias.example",
        "phone": "+34 912 345 678",
        "addresses": [
            {
                "kind": "billing",
                "street": "Calle Mayor 1",
                "postal_code": "28001",
                "city": "Madrid",
                "province": "Madrid",
                "country": "ES",
            },
            {"kind": "delivery", "street": "Polígono Sur 7", "city": "Getafe", "country": "ES"},
        ],
        "contacts": [
            {"first_name": "Lucía", "last_name": "Gómez", "email": "lucia@ferreterias.example"}
        ],
    }
    data.update(overrides)
    return data
