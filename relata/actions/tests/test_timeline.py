"""The history of an action reads as a person would write it: local, formatted times."""

from __future__ import annotations

import datetime

from django.utils import translation

from relata.actions import services
from relata.actions.tests.conftest import START
from relata.core.timeline import timeline_for


def test_a_rescheduled_action_shows_its_old_and_new_start_in_local_time(agent, make_action):
    action = make_action(type="call", subject="Call back")
    services.action_reschedule(
        user=agent, action=action, start=START + datetime.timedelta(days=1, hours=2)
    )
    with translation.override("en"):
        (changed,) = [e for e in timeline_for(action, user=agent) if e.kind == "changed"]
    start = next(c for c in changed.changes if c.label == "start")
    # 10:00 UTC on 10 March 2031 is 11:00 in Madrid (the default time zone).
    assert start.old == "03/10/2031 11 a.m."
    assert start.new == "03/11/2031 1 p.m."
    assert "+00:00" not in start.old + start.new
