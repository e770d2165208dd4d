"""The public unsubscribe page of marketing emails (RFC 8058 one-click).

GET shows a confirmation button (mail scanners follow links: a GET changes nothing); POST
records the opt-out. POST is exempt from CSRF because RFC 8058 has the recipient's mail
provider post ``List-Unsubscribe=One-Click`` without any cookie or token; the signed token
in the address is the proof, and the only thing a forged request can do is unsubscribe
the address it names.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from relata.mailing import consent
from relata.mailing.models import Suppression, SuppressionReason


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = consent.read_token(token)
    if target is None:
        raise Http404
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        consent.unsubscribe(target, source="one-click" if one_click else "unsubscribe page")
        return render(request, "mailing/unsubscribe_done.html", {"address": target.address})
    already = Suppression.objects.filter(
        address=target.address, reason=SuppressionReason.UNSUBSCRIBED
    ).exists()
    return render(
        request, "mailing/unsubscribe.html", {"address": target.address, "already": already}
    )
