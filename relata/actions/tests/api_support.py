"""What the action API tests share: list, detail and workflow requests, and a message."""

from __future__ import annotations

from django.urls import reverse

READ_ONLY_MESSAGE = (
    "This action is done and can no longer be changed: the general parameters do not "
    "allow editing finished actions."
)


def api_list(client, **params):
    response = client.get(reverse("action-list"), params)
    assert response.status_code == 200, response.json()
    return [row["subject"] for row in response.json()["results"]]


def api_detail(pk: int) -> str:
    return reverse("action-detail", args=[pk])


def api_post(client, name: str, pk: int, body=None):
    return client.post(reverse(f"action-{name}", args=[pk]), body or {}, format="json")
