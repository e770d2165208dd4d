"""Demo steps of the core: teams, users in every role, and the general parameters."""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from relata.core.demo_data import FIRST_NAMES, LAST_NAMES
from relata.core.demo_runner import DemoContext, step
from relata.core.models import CrmParameters, Role, Team, User

TEAMS = [
    ("Ventas Norte", "Field sales for the north: Basque Country, Navarre, Cantabria."),
    ("Ventas Sur", "Field sales for Andalusia and Murcia."),
    ("Marketing", "Campaigns, events and lead generation."),
    ("Postventa", "After-sales: complaints, incidents and service requests."),
]
# (role, team index or None, how many)
STAFF = [
    (Role.MANAGER, 0, 1),
    (Role.AGENT, 0, 3),
    (Role.MANAGER, 1, 1),
    (Role.AGENT, 1, 3),
    (Role.AGENT, 2, 2),
    (Role.AGENT, 3, 2),
    (Role.READ_ONLY, None, 1),
]


@step(10, "teams and users", weight=lambda ctx: 2)
def teams_and_users(ctx: DemoContext) -> None:
    teams = []
    for name, description in TEAMS:
        team, _created = Team.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        teams.append(team)
    ctx.advance()
    # One password for every demo user, printed once, so that each role can be tried.
    password = secrets.token_urlsafe(9)
    password_hash = make_password(password)  # hashing once keeps the demo fast
    users: list[User] = []
    names = ctx.rng.sample([(f, s) for f in FIRST_NAMES for s in LAST_NAMES], 20)
    for role, team_index, count in STAFF:
        for _n in range(count):
            first, last = names.pop()
            username = f"{slugify(first)}.{slugify(last)}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "email": f"{username}@demo.relata.example",
                },
            )
            # Reset on every run, so that the password printed below is always right.
            user.password = password_hash
            user.save(update_fields=["password"])
            if created and team_index is not None:
                user.teams.add(teams[team_index])
            users.append(user)
    ctx.advance()
    CrmParameters.objects.get_or_create(pk=1)
    ctx.data["teams"] = teams
    ctx.data["users"] = users
    sample = {
        role: next(u.username for u in users if u.role == role)
        for role in (Role.MANAGER, Role.AGENT, Role.READ_ONLY)
    }
    ctx.notes.append(
        "Demo users (password for all: "
        + password
        + "): "
        + ", ".join(f"{username} ({Role(role).label})" for role, username in sample.items())
    )
