"""The move endpoint: the page, the board's JSON and the modal's htmx, and its refusals."""

from __future__ import annotations

import decimal
import json

import pytest
from django.urls import reverse

from relata.cases.models import Case, CaseStatusChange

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(case):
    return reverse("cases:move", args=[case.pk])


def test_get_renders_the_statuses_of_the_type_but_the_current(client, agent, make_case):
    case = make_case()
    client.force_login(agent)
    response = client.get(url(case), {"status": ""})
    assert response.status_code == 200
    form = response.context["form"]
    codes = [s.code for s in form.targets]
    assert codes == ["presenting_solutions", "decision", "decision_postponed", "won", "lost"]
    html = response.content.decode()
    assert 'id="id_amount"' in html
    assert 'id="id_lost_reason"' in html
    assert 'id="id_resolution"' not in html  # opportunities have no resolution
    assert "<html" in html


def test_get_preselects_the_status_and_answers_a_fragment_to_htmx(
    client, agent, make_case, statuses
):
    case = make_case()
    won = statuses("opportunity", "won")
    client.force_login(agent)
    response = client.get(url(case), {"status": won.pk}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.startswith("<form")
    assert f'<option value="{won.pk}" selected>' in html
    assert 'data-bs-dismiss="modal"' in html


def test_allowed_next_limits_the_choices(client, agent, make_case, statuses):
    case = make_case()
    current = statuses("opportunity", "identifying_needs")
    current.allowed_next.set([statuses("opportunity", "presenting_solutions")])
    client.force_login(agent)
    form = client.get(url(case)).context["form"]
    assert [s.code for s in form.targets] == ["presenting_solutions"]
    # Posting another status anyway is refused by the service, shown on the form.
    response = client.post(url(case), {"status": statuses("opportunity", "decision").pk}, **JSON)
    assert response.status_code == 400
    assert "cannot move" in response.json()["errors"]["status"][0]


def test_won_without_amount_is_refused_and_nothing_changes(client, agent, make_case, statuses):
    case = make_case()
    won = statuses("opportunity", "won")
    client.force_login(agent)
    response = client.post(url(case), {"status": won.pk, "amount": ""})
    assert response.status_code == 200
    assert "Enter the amount before marking the opportunity as won." in response.content.decode()
    assert 'id="id_amount"' in response.content.decode()
    case.refresh_from_db()
    assert case.status.code == "identifying_needs"
    assert CaseStatusChange.objects.filter(case=case).count() == 1  # the creation only


def test_won_without_amount_as_json_and_htmx(client, agent, make_case, statuses):
    case = make_case()
    won = statuses("opportunity", "won")
    client.force_login(agent)
    response = client.post(url(case), {"status": won.pk}, **JSON)
    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False
    assert list(data["errors"]) == ["amount"]
    response = client.post(url(case), {"status": won.pk}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith("<form")
    assert "is-invalid" in html
    case.refresh_from_db()
    assert case.status.code == "identifying_needs"


def test_won_with_amount_moves_and_redirects_to_the_case(client, agent, make_case, statuses):
    case = make_case()
    won = statuses("opportunity", "won")
    client.force_login(agent)
    response = client.post(url(case), {"status": won.pk, "amount": "4200.50"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == won
    assert case.amount == decimal.Decimal("4200.50")
    assert case.closed_at is not None
    change = CaseStatusChange.objects.filter(case=case).latest("changed_at", "pk")
    assert (change.to_status, change.changed_by) == (won, agent)


def test_json_move_answers_ok(client, agent, make_case, statuses):
    case = make_case(amount=decimal.Decimal("10"))
    decision = statuses("opportunity", "decision")
    client.force_login(agent)
    response = client.post(url(case), {"status": decision.pk}, **JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["case"]["status_code"] == "decision"
    case.refresh_from_db()
    assert case.status == decision


def test_htmx_move_answers_no_content_and_a_trigger(client, agent, make_case, statuses):
    case = make_case()
    lost = statuses("opportunity", "lost")
    client.force_login(agent)
    response = client.post(url(case), {"status": lost.pk, "lost_reason": "Price"}, **HTMX)
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"caseMoved": {"id": case.pk}}


def test_lost_needs_a_reason_and_keeps_it(client, agent, make_case, statuses):
    case = make_case()
    lost = statuses("opportunity", "lost")
    client.force_login(agent)
    response = client.post(url(case), {"status": lost.pk, "lost_reason": "  "}, **JSON)
    assert response.status_code == 400
    assert "lost_reason" in response.json()["errors"]
    response = client.post(
        url(case), {"status": lost.pk, "lost_reason": "Chose a competitor", "next": "/cases/board/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/cases/board/"
    case.refresh_from_db()
    assert (case.status, case.lost_reason) == (lost, "Chose a competitor")


def test_next_to_another_site_is_ignored(client, agent, make_case, statuses):
    case = make_case()
    client.force_login(agent)
    response = client.post(
        url(case),
        {"status": statuses("opportunity", "decision").pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


def test_after_sales_resolution_is_saved(client, agent, make_case, statuses):
    case = make_case(case_type="complaint", subject="Broken pump")
    resolved = statuses("complaint", "resolved")
    client.force_login(agent)
    response = client.get(url(case))
    assert 'id="id_resolution"' in response.content.decode()
    assert 'id="id_amount"' not in response.content.decode()
    client.post(url(case), {"status": resolved.pk, "resolution": "Replaced the seal"})
    case.refresh_from_db()
    assert (case.status, case.resolution) == (resolved, "Replaced the seal")


def test_invisible_case_is_404(client, other_agent, make_case, statuses):
    case = make_case()
    client.force_login(other_agent)
    decision = statuses("opportunity", "decision")
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), {"status": decision.pk}).status_code == 404
    response = client.post(url(case), {"status": decision.pk}, **JSON)
    assert response.status_code == 404
    assert response.json()["ok"] is False
    case.refresh_from_db()
    assert case.status.code == "identifying_needs"
    assert client.post(reverse("cases:move", args=[999999])).status_code == 404


def test_visible_but_not_changeable_is_403(client, reader, agent, manager, make_case, statuses):
    case = make_case(user=manager)  # the manager's own case, visible to the whole team
    decision = statuses("opportunity", "decision")
    for user in (reader, agent):
        client.force_login(user)
        assert client.get(url(case)).status_code == 403
        assert client.post(url(case), {"status": decision.pk}).status_code == 403
        assert client.post(url(case), {"status": decision.pk}, **JSON).status_code == 403
    case.refresh_from_db()
    assert case.status.code == "identifying_needs"
    client.force_login(manager)
    assert client.post(url(case), {"status": decision.pk}).status_code == 302


def test_a_status_of_another_type_is_refused(client, agent, make_case, statuses):
    case = make_case()
    client.force_login(agent)
    response = client.post(url(case), {"status": statuses("complaint", "resolved").pk}, **JSON)
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).status.code == "identifying_needs"
