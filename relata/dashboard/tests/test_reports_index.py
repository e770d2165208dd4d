"""The reports index: one card per report, for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("who", ["admin_user", "manager", "agent", "reader"])
def test_index_links_every_report(db, request, client, who, django_assert_max_num_queries):
    client.force_login(request.getfixturevalue(who))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:reports"))

    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "dashboard:conversion",
        "dashboard:snapshots",
        "dashboard:targets",
        "cases:open_report",
    ):
        assert f'href="{reverse(name)}"' in html
    assert (
        'id="report-forecast" href="/forecast/"' in html
        or 'href="/forecast/" id="report-forecast"' in html
    )


def test_index_requires_login(client):
    response = client.get(reverse("dashboard:reports"))

    assert response.status_code == 302
