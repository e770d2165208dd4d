"""Reads of actions: the list's filters and sorts, the agenda's default scope, the entity's
actions, the feed, the timelines of entities and contacts, and the global search."""

from __future__ import annotations

import datetime

import pytest

from relata.actions import selectors, services
from relata.actions.tests.conftest import START
from relata.core.search import search
from relata.core.timeline import timeline_for

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def _subjects(actions) -> list[str]:
    return [a.subject for a in actions]


# --- action_list --------------------------------------------------------------------------


@pytest.fixture
def listed(make_action, manager, team, contact, action_types):
    """Five actions on the agent's entity, visible to the agent's team."""
    first = make_action(subject="Alpha call", start=START)
    make_action(subject="Bravo visit", type="visit", start=START + DAY, contact=contact)
    make_action(subject="Charlie task", type="task", start=START + 2 * DAY, owner=None, team=team)
    make_action(user=manager, subject="Delta email", type="email", start=START + 3 * DAY)
    services.action_complete(user=first.owner, action=first, outcome="OK")
    meeting = make_action(
        subject="Echo meeting", type="meeting", start=START + 4 * DAY, attendee_contacts=[contact]
    )
    services.action_cancel(user=meeting.owner, action=meeting)


def test_action_list_default_is_every_visible_action_by_start(listed, agent):
    assert _subjects(selectors.action_list(user=agent)) == [
        "Alpha call",
        "Bravo visit",
        "Charlie task",
        "Delta email",
        "Echo meeting",
    ]


def test_action_list_filters(listed, agent, manager, team, contact, action_types):
    def subjects(**filters):
        return _subjects(selectors.action_list(user=agent, **filters))

    assert subjects(owner=manager) == ["Delta email"]
    assert subjects(owner=agent.pk) == ["Alpha call", "Bravo visit", "Echo meeting"]
    assert subjects(team=team) == [
        "Alpha call",
        "Bravo visit",
        "Charlie task",
        "Delta email",
        "Echo meeting",
    ]
    # The action's contact or an attending contact.
    assert subjects(contact=contact) == ["Bravo visit", "Echo meeting"]
    assert subjects(types=[action_types["visit"], action_types["task"].pk]) == [
        "Bravo visit",
        "Charlie task",
    ]
    assert subjects(statuses=["done", "cancelled"]) == ["Alpha call", "Echo meeting"]
    assert subjects(statuses=["planned"]) == ["Bravo visit", "Charlie task", "Delta email"]
    assert subjects(search="bravo") == ["Bravo visit"]
    assert subjects(search="acme") == _subjects(selectors.action_list(user=agent))
    assert subjects(search="nothing like it") == []


def test_action_list_date_range_selects_overlapping_actions(listed, agent):
    # A visit from START + 1 day to one hour later overlaps a range ending inside it.
    assert _subjects(
        selectors.action_list(
            user=agent, start_from=START + DAY + HOUR / 2, start_to=START + 2 * DAY
        )
    ) == ["Bravo visit"]
    assert _subjects(
        selectors.action_list(user=agent, start_from=START + 3 * DAY, start_to=START + 10 * DAY)
    ) == ["Delta email", "Echo meeting"]
    # The end of the range is exclusive: the task starting right then is left out.
    assert _subjects(
        selectors.action_list(user=agent, start_from=START, start_to=START + 2 * DAY)
    ) == ["Alpha call", "Bravo visit"]
    # Dates work as well as date-times.
    assert _subjects(
        selectors.action_list(
            user=agent,
            start_from=(START + 3 * DAY).date(),
            start_to=(START + 4 * DAY).date(),
        )
    ) == ["Delta email"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("start", ["Alpha call", "Bravo visit", "Charlie task", "Delta email", "Echo meeting"]),
        ("-start", ["Echo meeting", "Delta email", "Charlie task", "Bravo visit", "Alpha call"]),
        ("subject", ["Alpha call", "Bravo visit", "Charlie task", "Delta email", "Echo meeting"]),
        ("-subject", ["Echo meeting", "Delta email", "Charlie task", "Bravo visit", "Alpha call"]),
        # Seeded order: call, email, visit, documentation, presentation, meeting, task.
        ("type", ["Alpha call", "Delta email", "Bravo visit", "Echo meeting", "Charlie task"]),
        ("status", ["Echo meeting", "Alpha call", "Bravo visit", "Charlie task", "Delta email"]),
        # An unknown sort falls back to the start.
        ("nonsense", ["Alpha call", "Bravo visit", "Charlie task", "Delta email", "Echo meeting"]),
    ],
)
def test_action_list_sorts(listed, agent, sort, expected):
    assert _subjects(selectors.action_list(user=agent, sort=sort)) == expected


def test_action_list_sorts_by_assignee(listed, agent):
    owners = [
        a.owner.username if a.owner else None
        for a in selectors.action_list(user=agent, sort="owner")
    ]
    # PostgreSQL and SQLite disagree on where NULL goes; the named ones are in order.
    assert [o for o in owners if o] == ["alex", "alex", "alex", "maria"]


def test_action_list_applies_the_permission_layer(listed, other_agent, admin_user):
    assert list(selectors.action_list(user=other_agent)) == []
    assert len(selectors.action_list(user=admin_user)) == 5


# --- agenda_actions -----------------------------------------------------------------------


@pytest.fixture
def week():
    return START - DAY, START + 6 * DAY


def test_the_agenda_by_default_shows_mine_my_teams_unassigned_and_meetings_i_attend(
    make_action, agent, manager, reader, team, week
):
    make_action(subject="Mine")
    make_action(user=manager, subject="Team's", owner=None, team=team)
    make_action(user=manager, subject="Manager's")
    make_action(user=manager, subject="Manager's meeting", type="meeting", attendee_users=[agent])
    make_action(user=manager, subject="Reader's", owner=reader)

    start, end = week
    assert _subjects(selectors.agenda_actions(user=agent, start=start, end=end)) == [
        "Mine",
        "Team's",
        "Manager's meeting",
    ]
    assert _subjects(selectors.agenda_actions(user=manager, start=start, end=end)) == [
        "Team's",
        "Manager's",
        "Manager's meeting",
    ]


def test_the_agenda_shows_a_colleagues_or_a_teams_actions_on_request(
    make_action, agent, manager, reader, team, week
):
    make_action(subject="Mine")
    make_action(user=manager, subject="Team's", owner=None, team=team)
    make_action(user=manager, subject="Manager's")

    start, end = week
    assert _subjects(
        selectors.agenda_actions(user=agent, start=start, end=end, owner=manager.pk)
    ) == ["Manager's"]
    assert _subjects(selectors.agenda_actions(user=reader, start=start, end=end, team=team.pk)) == [
        "Mine",
        "Team's",
        "Manager's",
    ]


def test_the_agenda_never_shows_what_one_may_not_see(
    make_action, agent, other_agent, other_entity, other_team, week
):
    make_action(user=other_agent, entity=other_entity, subject="Theirs")

    start, end = week
    assert (
        list(selectors.agenda_actions(user=agent, start=start, end=end, owner=other_agent.pk)) == []
    )
    assert (
        list(selectors.agenda_actions(user=agent, start=start, end=end, team=other_team.pk)) == []
    )


def test_the_agenda_shows_the_range_only_and_hides_cancelled_unless_asked(
    make_action, agent, action_types, week
):
    make_action(subject="Before", start=START - 3 * DAY)
    make_action(subject="Overlapping the start", start=START - DAY - HOUR, end=START - DAY + HOUR)
    make_action(subject="Inside", type="task")
    make_action(subject="At the end", start=START + 6 * DAY)
    cancelled = make_action(subject="Cancelled", start=START + HOUR)
    services.action_cancel(user=agent, action=cancelled)

    start, end = week
    assert _subjects(selectors.agenda_actions(user=agent, start=start, end=end)) == [
        "Overlapping the start",
        "Inside",
    ]
    assert _subjects(
        selectors.agenda_actions(user=agent, start=start, end=end, include_cancelled=True)
    ) == ["Overlapping the start", "Inside", "Cancelled"]
    assert _subjects(
        selectors.agenda_actions(user=agent, start=start, end=end, types=[action_types["task"].pk])
    ) == ["Inside"]


def test_the_agenda_lists_a_meeting_once_when_i_own_and_attend_it(make_action, agent, week):
    make_action(subject="My meeting", type="meeting", attendee_users=[agent])

    start, end = week
    assert _subjects(selectors.agenda_actions(user=agent, start=start, end=end)) == ["My meeting"]


# --- entity_actions and the feed ---------------------------------------------------------------


def test_entity_actions_split_planned_and_recent(make_action, agent, entity, other_agent):
    later = make_action(subject="Later", start=START + DAY)
    make_action(subject="Sooner", start=START)
    old = make_action(subject="Old", start=START - DAY)
    services.action_complete(user=agent, action=old, outcome="OK")

    planned, recent = selectors.entity_actions(user=agent, entity=entity)

    assert _subjects(planned) == ["Sooner", "Later"]
    assert _subjects(recent) == ["Old"]
    assert later in planned
    assert selectors.entity_actions(user=other_agent, entity=entity) == ([], [])


def test_the_feed_carries_my_actions_and_meetings_i_attend(
    make_action, agent, manager, other_agent
):
    make_action(subject="Mine")
    make_action(user=manager, subject="Attending", type="meeting", attendee_users=[agent])
    make_action(user=manager, subject="Manager's")

    assert _subjects(selectors.feed_actions(user=agent)) == ["Mine", "Attending"]
    assert _subjects(selectors.feed_actions(user=other_agent)) == []


# --- Timelines ------------------------------------------------------------------------------


def _action_events(obj, user):
    return [e for e in timeline_for(obj, user=user) if e.kind.startswith("action-")]


def test_the_entity_timeline_shows_its_actions_to_those_who_may_see_them(
    make_action, agent, admin_user, other_agent, entity, reader
):
    mine = make_action(subject="Visible call")
    services.action_complete(user=agent, action=mine, outcome="Interested")
    hidden = make_action(user=admin_user, subject="Hidden call", owner=other_agent)

    events = _action_events(entity, agent)
    assert [(e.kind, e.title, e.url) for e in events] == [
        ("action-done", "Phone call: Visible call · Done — Interested", f"/actions/{mine.pk}/"),
    ]
    assert events[0].who == agent
    assert events[0].icon == "telephone"
    assert [e.title for e in _action_events(entity, reader)] == [events[0].title]
    # Same start: the newer one first.
    assert [e.url for e in _action_events(entity, admin_user)] == [
        f"/actions/{hidden.pk}/",
        f"/actions/{mine.pk}/",
    ]
    assert [e.url for e in _action_events(entity, other_agent)] == [f"/actions/{hidden.pk}/"]
    # Without a viewer, no actions.
    assert _action_events(entity, None) == []


def test_the_contact_timeline_shows_the_actions_about_them_or_attended(make_action, agent, contact):
    about = make_action(subject="About Carmen", contact=contact, start=START)
    attended = make_action(
        subject="Carmen attends", type="meeting", attendee_contacts=[contact], start=START + DAY
    )
    make_action(subject="Not about Carmen", start=START + 2 * DAY)

    events = _action_events(contact, agent)

    assert [e.url for e in events] == [f"/actions/{attended.pk}/", f"/actions/{about.pk}/"]
    assert [e.kind for e in events] == ["action-planned", "action-planned"]


def test_the_contact_timeline_hides_actions_the_viewer_may_not_see(
    make_action, admin_user, agent, contact, other_agent
):
    make_action(user=admin_user, subject="Secret", contact=contact, owner=other_agent)

    assert _action_events(contact, agent) == []
    assert [e.title for e in _action_events(contact, other_agent)] == ["Phone call: Secret"]


# --- Global search ----------------------------------------------------------------------------


def _action_hits(user, query):
    groups = [g for g in search(user=user, query=query) if str(g.label) == "Actions"]
    return [(h.title, h.url) for g in groups for h in g.hits]


def test_global_search_finds_actions_only_for_those_who_may_see_them(
    make_action, agent, reader, other_agent, admin_user
):
    action = make_action(subject="Quarterly pricing review")

    expected = [("Quarterly pricing review", f"/actions/{action.pk}/")]
    assert _action_hits(agent, "pricing") == expected
    assert _action_hits(reader, "PRICING review") == expected
    assert _action_hits(admin_user, "quarterly") == expected
    assert _action_hits(other_agent, "pricing") == []
    assert _action_hits(agent, "invoice") == []


def test_global_search_finds_actions_by_entity_name(make_action, agent):
    make_action(subject="First contact")

    assert [title for title, _url in _action_hits(agent, "Acme")] == ["First contact"]
