"""Saved views of the case list: save, apply, delete (own only), shared views."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.core import saved_views
from relata.core.models import SavedView

pytestmark = pytest.mark.django_db


def save(client, name: str, query: str, shared: bool = False):
    data = {"view": "cases", "name": name, "query": query, "next": reverse("cases:list")}
    if shared:
        data["is_shared"] = "1"
    return client.post(reverse("core:saved_view_create"), data)


def test_save_then_apply_a_view(client, agent, make_case, case_types):
    complaint = make_case(case_type="complaint", subject="Late delivery")
    make_case(subject="Renewal")
    client.force_login(agent)
    query = f"case_type={case_types['complaint'].pk}&page=3&q="

    response = save(client, "My complaints", query)

    view = SavedView.objects.get()
    assert (view.user, view.view, view.name, view.is_shared) == (
        agent,
        "cases",
        "My complaints",
        False,
    )
    assert view.query == f"case_type={case_types['complaint'].pk}"
    assert response["Location"] == f"{reverse('cases:list')}?{view.query}"
    applied = client.get(response["Location"])
    assert [c.pk for c in applied.context["page_obj"]] == [complaint.pk]
    assert applied.context["saved_view_active"] == view
    assert "My complaints" in applied.content.decode()


def test_saving_under_the_same_name_replaces_the_filters(client, agent):
    client.force_login(agent)

    save(client, "Mine", "owner=me")
    save(client, "Mine", "owner=none")

    assert list(SavedView.objects.values_list("name", "query")) == [("Mine", "owner=none")]


def test_a_view_needs_a_name(client, agent):
    client.force_login(agent)

    response = save(client, "  ", "owner=me")

    assert response.status_code == 302
    assert SavedView.objects.count() == 0


def test_shared_views_are_offered_to_others_private_ones_not(client, agent, manager, other_agent):
    saved_views.saved_view_save(
        user=manager, view="cases", name="Team pipeline", query="team=1", is_shared=True
    )
    saved_views.saved_view_save(user=manager, view="cases", name="Maria only", query="owner=me")
    saved_views.saved_view_save(
        user=manager, view="entities", name="Other list", query="x=1", is_shared=True
    )
    client.force_login(other_agent)

    response = client.get(reverse("cases:list"))

    names = [item["view"].name for item in response.context["saved_views"]]
    assert names == ["Team pipeline"]
    assert response.context["saved_views"][0]["can_delete"] is False


def test_only_own_views_can_be_deleted(client, agent, manager):
    shared = saved_views.saved_view_save(
        user=manager, view="cases", name="Team pipeline", query="team=1", is_shared=True
    )
    private = saved_views.saved_view_save(user=manager, view="cases", name="Private", query="q=x")
    own = saved_views.saved_view_save(user=agent, view="cases", name="Mine", query="owner=me")
    client.force_login(agent)

    on_shared = client.post(reverse("core:saved_view_delete", args=[shared.pk]))
    on_private = client.post(reverse("core:saved_view_delete", args=[private.pk]))
    on_own = client.post(
        reverse("core:saved_view_delete", args=[own.pk]), {"next": reverse("cases:list")}
    )

    assert on_shared.status_code == 403
    assert on_private.status_code == 404
    assert on_own.status_code == 302
    assert on_own["Location"] == reverse("cases:list")
    assert sorted(SavedView.objects.values_list("name", flat=True)) == ["Private", "Team pipeline"]


def test_delete_needs_post(client, agent):
    own = saved_views.saved_view_save(user=agent, view="cases", name="Mine", query="owner=me")
    client.force_login(agent)

    response = client.get(reverse("core:saved_view_delete", args=[own.pk]))

    assert response.status_code == 405
    assert SavedView.objects.count() == 1


def test_the_list_menu_offers_delete_with_confirmation_for_own_views(client, agent):
    saved_views.saved_view_save(user=agent, view="cases", name="Mine", query="owner=me")
    client.force_login(agent)

    body = client.get(reverse("cases:list")).content.decode()

    assert "Delete the saved view “Mine”? The records stay as they are." in body
    assert "Save current filters as…" in body
