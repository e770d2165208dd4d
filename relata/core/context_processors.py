"""Template context shared by every page: the navigation of all product areas and the
number of unread notifications shown on the bell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from relata.core import permissions
from relata.core.models import Notification


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    icon: str
    url_name: str
    url_args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)


# Every area the product will have; areas that a later release fills in show an empty state.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", _("Control panel"), "speedometer2", "home"),
    NavItem("entities", _("Entities"), "building", "entities:list"),
    NavItem("contacts", _("Contacts"), "person-vcard", "entities:contact_list"),
    NavItem("agenda", _("Agenda"), "calendar-week", "actions:agenda"),
    NavItem("cases", _("Cases"), "briefcase", "cases:list"),
    NavItem("forecast", _("Forecast"), "graph-up-arrow", "dashboard:forecast"),
    NavItem("campaigns", _("Campaigns"), "megaphone", "campaigns:campaign_list"),
    NavItem("email", _("Email"), "envelope", "mailing:outbox"),
    NavItem("sales", _("Sales"), "receipt", "core:area", ("sales",)),
    NavItem("reports", _("Reports"), "bar-chart", "dashboard:reports"),
)
SETTINGS_NAMESPACES = ("core", "customfields", "products")


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.kwargs.get("area", "") if match else ""
    if match and match.namespaces[:1] == ["entities"]:
        name = match.url_name or ""
        current = (
            "settings"
            if name.startswith("settings")
            else "contacts"
            if name.startswith("contact")
            else "entities"
        )
    if match and match.namespaces[:1] == ["actions"] and not current:
        name = match.url_name or ""
        # Action types are settings; the rest (the calendar subscription and reminders
        # too, which the agenda page links to) belongs to the agenda.
        current = "settings" if name.startswith("type_") else "agenda"
    if match and match.namespaces[:1] == ["cases"] and not current:
        # Case types and statuses are settings; the list, board and report are cases.
        current = "settings" if (match.url_name or "").startswith("settings_") else "cases"
    if match and match.namespaces[:1] == ["campaigns"] and not current:
        current = "campaigns"
    if match and match.namespaces[:1] == ["dashboard"] and not current:
        name = match.url_name or ""
        current = (
            "home"
            if name.startswith("panel")
            else "forecast"
            if name.startswith(("forecast", "target", "snapshot"))
            else "reports"
        )
    if match and match.namespaces[:1] == ["mailing"] and not current:
        current = "settings" if (match.url_name or "").startswith("mailbox") else "email"
    if match and match.namespaces[:1] == ["sales"] and not current:
        name = match.url_name or ""
        current = "sales" if name.startswith("entity_") or name.endswith("_detail") else "settings"
    if match and not current:
        current = "settings" if match.namespace in SETTINGS_NAMESPACES else match.url_name or ""
    return {
        "nav_items": NAVIGATION,
        "nav_current": current,
        "can_configure": permissions.can_configure(user),
        "can_write": permissions.can_write(user),
    }


def notifications(request: HttpRequest) -> dict[str, Any]:
    """Return the user's unread notification count for the top bar's bell.

    Lazy: the count (one query on the ``user, read_at`` index) runs only when a template
    shows it, not for fragments and pages without the top bar.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "notifications_unread": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
