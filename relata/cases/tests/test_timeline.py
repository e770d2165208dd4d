from __future__ import annotations

from relata.cases import services
from relata.cases.timeline import case_events


def test_the_entity_timeline_shows_its_visible_cases(make_case, entity, agent, other_agent):
    case = make_case()
    events = case_events(entity, 10, agent)
    assert [(e.kind, e.title) for e in events] == [
        ("case-open", f"Sales opportunity {case.number}: Renewal 2031 · Identifying needs")
    ]
    assert case_events(entity, 10, other_agent) == []
    assert case_events(entity, 10, None) == []


def test_the_case_timeline_shows_its_status_changes(make_case, statuses, agent, other_agent):
    case = make_case()
    services.case_move(user=agent, case=case, status=statuses("opportunity", "decision"))
    events = case_events(case, 10, agent)
    assert [(e.kind, e.title, e.who) for e in events] == [
        ("case-status", "Status: Identifying needs → Decision", agent),
        ("case-status", "Opened in Identifying needs", agent),
    ]
    assert case_events(case, 10, other_agent) == []


def test_the_provider_is_part_of_the_timeline(make_case, entity, agent):
    from relata.core.timeline import timeline_for

    case = make_case()
    kinds = [e.kind for e in timeline_for(entity, user=agent)]
    assert "case-open" in kinds
    assert case.number in " ".join(e.title for e in timeline_for(entity, user=agent))
