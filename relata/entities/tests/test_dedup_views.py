"""Duplicate pages through the test client: the report, the merge page and the warning."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.entities import services
from relata.entities.models import Contact, Entity, EntityKind, EntityMerge, KindMeaning

pytestmark = pytest.mark.django_db

NS = "entities:entities_dedup"


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="dedupv-customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )


def make(user, kind, name, **data):
    emails = data.pop("emails", ())
    return services.entity_create(
        user=user,
        data={"kind": kind, "legal_name": name, **data},
        emails=[{"email": e} for e in emails],
    )


def merge_url(a, b):
    return f"{reverse(f'{NS}:merge')}?a={a.pk}&b={b.pk}"


def test_report_lists_pairs_with_reasons_and_merge_links(client, agent, customer):
    a = make(agent, customer, "Aceros Norte S.L.", emails=["info@aceros.es"])
    b = make(agent, customer, "Aceros Norte SA", emails=["info@aceros.es"])
    client.force_login(agent)

    response = client.get(reverse(f"{NS}:list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "same email" in body
    assert "similar name (100%)" in body
    assert f"?a={a.pk}&amp;b={b.pk}" in body


def test_merge_page_compares_both_side_by_side(client, agent, customer):
    a = make(agent, customer, "Aceros Norte S.L.", tax_id="B12345674")
    b = make(agent, customer, "Aceros Norte SA", website="https://aceros.es")
    client.force_login(agent)

    response = client.get(merge_url(a, b))

    body = response.content.decode()
    assert response.status_code == 200
    assert "B12345674" in body
    assert "https://aceros.es" in body
    assert 'id="merge-button"' in body


def test_merge_keeps_the_chosen_entity_and_redirects_to_it(client, agent, customer):
    a = make(agent, customer, "Old record")
    b = make(agent, customer, "Good record")
    services.contact_create(user=agent, entity=a, data={"first_name": "Ana"})
    client.force_login(agent)

    response = client.post(merge_url(a, b), {"survivor": str(b.pk)})

    assert response.status_code == 302
    assert response["Location"] == b.get_absolute_url()
    assert list(Entity.objects.values_list("legal_name", flat=True)) == ["Good record"]
    assert Contact.objects.get().entity_id == b.pk
    assert EntityMerge.objects.get().merged_name == "Old record"
    detail = client.get(b.get_absolute_url())
    assert f"Merged “Old record” (#{a.pk}) into this entity" in detail.content.decode()


def test_merge_of_an_entity_with_itself_is_refused(client, agent, customer):
    a = make(agent, customer, "Alone")
    client.force_login(agent)

    response = client.post(merge_url(a, a), {"survivor": str(a.pk)})

    assert response.status_code == 400
    assert "Choose two different entities to merge." in response.content.decode()
    assert Entity.objects.count() == 1


def test_merge_page_of_an_invisible_entity_is_not_found(client, agent, other_agent, customer):
    mine = make(agent, customer, "Mine")
    theirs = make(other_agent, customer, "Theirs")
    client.force_login(agent)

    assert client.get(merge_url(mine, theirs)).status_code == 404
    assert client.post(merge_url(mine, theirs), {"survivor": str(mine.pk)}).status_code == 404
    assert Entity.objects.count() == 2


def test_agent_who_cannot_change_both_gets_no_button_and_a_403(client, agent, manager, customer):
    mine = make(agent, customer, "Mine")
    colleagues = make(manager, customer, "Colleague's")
    client.force_login(agent)

    page = client.get(merge_url(mine, colleagues))
    response = client.post(merge_url(mine, colleagues), {"survivor": str(mine.pk)})

    assert 'id="merge-button"' not in page.content.decode()
    assert response.status_code == 403
    assert Entity.objects.count() == 2
    assert EntityMerge.objects.count() == 0


def test_check_fragment_lists_visible_candidates_and_counts_hidden_ones(
    client, agent, other_agent, customer
):
    mine = make(agent, customer, "Frutas Norte S.L.")
    theirs = make(other_agent, customer, "Secret Fruit", tax_id="B12345674")
    client.force_login(agent)

    response = client.get(
        reverse(f"{NS}:check"),
        {"legal_name": "Frutas Norte", "tax_id": "B12345674", "email_0": "", "phone_0": ""},
        **{"HTTP_HX_REQUEST": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert mine.get_absolute_url() in body
    assert "similar name (100%)" in body
    assert 'id="duplicate-hidden"' in body
    assert "1 record that you cannot see, owned by another team, matches this one" in body
    assert "Secret Fruit" not in body
    assert theirs.get_absolute_url() not in body


def test_check_fragment_is_empty_when_nothing_matches(client, agent, customer):
    client.force_login(agent)

    response = client.get(reverse(f"{NS}:check"), {"legal_name": "Nothing like it"})

    assert response.content.decode().strip() == (
        '<div id="duplicate-warning" aria-live="polite">\n\n</div>'
    )
