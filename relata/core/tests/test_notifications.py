"""In-app notifications: the bell's count, the list, marking read and following a link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relata.core.models import Notification


def notify(user, title="Reminder: Call Acme", url="/entities/", read=False):
    return Notification.objects.create(
        user=user, title=title, url=url, read_at=timezone.now() if read else None
    )


def _bell(content: bytes) -> str:
    html = content.decode()
    start = html.index('id="notification-bell"')
    return html[start : html.index("</a>", start)]


def test_bell_shows_the_unread_count(client, agent, manager):
    notify(agent)
    notify(agent, title="Second")
    notify(agent, read=True)
    notify(manager)  # someone else's
    client.force_login(agent)

    bell = _bell(client.get(reverse("core:profile")).content)

    assert "bi-bell-fill" in bell
    assert ">2</span>" in bell
    assert "Notifications, 2 unread" in bell


def test_bell_without_unread_notifications_has_no_badge(client, agent):
    notify(agent, read=True)
    client.force_login(agent)

    bell = _bell(client.get(reverse("core:profile")).content)

    assert "badge" not in bell
    assert 'aria-label="Notifications"' in bell


def test_bell_counts_with_one_query(client, agent):
    for number in range(5):
        notify(agent, title=f"N{number}")
    client.force_login(agent)
    client.get(reverse("core:profile"))

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("core:profile"))

    counting = [q["sql"] for q in queries if "core_notification" in q["sql"]]
    assert len(counting) == 1
    assert "COUNT" in counting[0].upper()


def test_bell_shows_99_plus_beyond_99(client, agent):
    Notification.objects.bulk_create(Notification(user=agent, title=f"N{n}") for n in range(120))
    client.force_login(agent)

    assert ">99+</span>" in _bell(client.get(reverse("core:profile")).content)


def test_list_is_paginated_newest_first(client, agent):
    for number in range(30):
        notify(agent, title=f"Notice {number:02d}")
    client.force_login(agent)

    first = client.get(reverse("core:notifications"))
    second = client.get(reverse("core:notifications"), {"page": 2})

    assert [n.title for n in first.context["page_obj"]][:2] == ["Notice 29", "Notice 28"]
    assert len(first.context["page_obj"]) == 25
    assert [n.title for n in second.context["page_obj"]] == [
        f"Notice {n:02d}" for n in range(4, -1, -1)
    ]


def test_list_shows_only_the_users_own(client, agent, manager):
    notify(manager, title="Manager's secret")
    notify(agent, title="Mine")
    client.force_login(agent)

    response = client.get(reverse("core:notifications"))

    assert b"Mine" in response.content
    assert b"Manager&#x27;s secret" not in response.content
    assert b"Manager's secret" not in response.content


def test_empty_list_shows_the_empty_state(client, agent):
    client.force_login(agent)

    response = client.get(reverse("core:notifications"))

    assert response.status_code == 200
    assert b"No notifications" in response.content
    assert b'id="notification-list"' not in response.content


def test_mark_one_read(client, agent):
    first, second = notify(agent), notify(agent)
    client.force_login(agent)

    response = client.post(
        reverse("core:notification_read", args=[first.pk]),
        {"next": reverse("core:notifications") + "?page=1"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications") + "?page=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_read_ignores_a_next_to_another_site(client, agent):
    notification = notify(agent)
    client.force_login(agent)

    response = client.post(
        reverse("core:notification_read", args=[notification.pk]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("core:notifications")


def test_mark_all_read_touches_only_the_users_own(client, agent, manager):
    mine = [notify(agent), notify(agent)]
    theirs = notify(manager)
    client.force_login(agent)

    client.post(reverse("core:notifications_read_all"))

    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_notification_is_404_and_unchanged(client, agent, manager):
    theirs = notify(manager)
    client.force_login(agent)

    for name in ("core:notification_read", "core:notification_open"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_marks_read_and_goes_to_the_link(client, agent):
    notification = notify(agent, url="/actions/12/")
    client.force_login(agent)

    response = client.post(reverse("core:notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/actions/12/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_open_never_leaves_the_site(client, agent, url):
    notification = notify(agent, url=url)
    client.force_login(agent)

    response = client.post(reverse("core:notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications")


def test_changes_need_post_and_login(client, agent):
    notification = notify(agent)

    assert client.post(reverse("core:notifications_read_all")).status_code == 302  # to login
    client.force_login(agent)
    for url in (
        reverse("core:notifications_read_all"),
        reverse("core:notification_read", args=[notification.pk]),
        reverse("core:notification_open", args=[notification.pk]),
    ):
        assert client.get(url).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_list_needs_login(client):
    response = client.get(reverse("core:notifications"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
