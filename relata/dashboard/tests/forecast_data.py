"""The forecast tests' hand-built data set, as the fixture ``fc_data`` (made available to
every dashboard test by conftest.py).

Open opportunities (status default probability; the case's own in brackets):
  a1  agent    identifying_needs 10          1000.00  close 2031-01-15  campaign, 2 lines F1
  a2  agent    decision 60 (75)               333.33  close 2031-02-10  source
  t1  nobody   identifying_needs 10 (25)       48.10  close 2031-03-31  team North
  a3  agent    presenting_solutions 30 (45)   200.05  close 2031-04-20  zone South, line F2
  m1  manager  decision 60                    500.00  close 2031-05-05  campaign
  m2  manager  decision_postponed 20          123.45  no close date, no team
  o1  other_agent decision 60                7000.00  close 2031-01-20  (other team)
Closed: w1 agent won 400.00 on 2031-02-15; w2 manager won 250.00 on 2031-04-01 00:30
(Madrid; still 31 March in UTC); l1 agent lost 999.00 on 2031-02-01; o2 other_agent won
900.00 on 2031-01-10. Not an opportunity: an open lead of 50.00.
Targets: agent 2031-01 100, 2031-02 200, 2031-04 300; manager 2031-03 150;
other_agent 2031-01 1000. Every entity but A3's (zone South) is in zone North.
"""

from __future__ import annotations

import datetime
import decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

D = decimal.Decimal


@pytest.fixture
def fc_data(
    make_case, make_entity, agent, manager, other_agent, team, other_team, statuses, case_types
) -> SimpleNamespace:
    from relata.campaigns.models import Campaign
    from relata.cases.models import Case, CaseLine
    from relata.dashboard.models import SalesTarget
    from relata.entities.models import Entity, Source, Zone
    from relata.products.models import Product, ProductFamily

    north_zone = Zone.objects.create(code="fc-north", label_en="North zone")
    south_zone = Zone.objects.create(code="fc-south", label_en="South zone")
    source = Source.objects.create(code="fc-fair", label_en="Trade fair")
    campaign = Campaign.objects.create(code="fc-spring", name="Spring push")
    f1 = ProductFamily.objects.create(code="fc-hardware", name_en="Hardware")
    f2 = ProductFamily.objects.create(code="fc-services", name_en="Services")
    p1 = Product.objects.create(code="FC-P1", name_en="Printer", family=f1, unit_price="10.00")
    p1b = Product.objects.create(code="FC-P1B", name_en="Scanner", family=f1, unit_price="5.00")
    p2 = Product.objects.create(code="FC-P2", name_en="Setup", family=f2, unit_price="20.00")

    entity_n = make_entity(agent, team, "Norte Distribuciones SL")
    entity_s = make_entity(agent, team, "Sur Servicios SA")
    other_entity = make_entity(other_agent, other_team, "Boreal Logistics SA")
    Entity.objects.filter(pk__in=[entity_n.pk, other_entity.pk]).update(zone=north_zone)
    Entity.objects.filter(pk=entity_s.pk).update(zone=south_zone)

    def opp(user: Any, subject: str, status: str, amount: str, close: Any, **extra: Any) -> Any:
        return make_case(
            user=user,
            entity=extra.pop("entity", entity_n),
            subject=subject,
            status=statuses("opportunity", status),
            amount=D(amount),
            expected_close_date=close,
            **extra,
        )

    day = datetime.date
    a1 = opp(agent, "A1", "identifying_needs", "1000.00", day(2031, 1, 15), campaign=campaign)
    a2 = opp(agent, "A2", "decision", "333.33", day(2031, 2, 10), probability=75, source=source)
    t1 = opp(agent, "T1", "identifying_needs", "48.10", day(2031, 3, 31), probability=25)
    Case.objects.filter(pk=t1.pk).update(owner=None, team=team)
    a3 = opp(
        agent,
        "A3",
        "presenting_solutions",
        "200.05",
        day(2031, 4, 20),
        probability=45,
        entity=entity_s,
    )
    m1 = opp(manager, "M1", "decision", "500.00", day(2031, 5, 5), campaign=campaign)
    m2 = opp(manager, "M2", "decision_postponed", "123.45", None)
    Case.objects.filter(pk=m2.pk).update(team=None)
    o1 = opp(other_agent, "O1", "decision", "7000.00", day(2031, 1, 20), entity=other_entity)
    for product, quantity in ((p1, 2), (p1b, 1)):
        CaseLine.objects.create(
            case=a1,
            product=product,
            quantity=quantity,
            unit_price=product.unit_price,
            amount=D(product.unit_price) * quantity,
        )
    CaseLine.objects.create(case=a3, product=p2, quantity=1, unit_price="20.00", amount="20.00")

    def closed(user: Any, subject: str, status: str, amount: str, moment: Any, **extra: Any) -> Any:
        case = opp(user, subject, "identifying_needs", amount, moment.date(), **extra)
        Case.objects.filter(pk=case.pk).update(
            status=statuses("opportunity", status), closed_at=moment
        )
        return case

    def local(*args: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(*args))

    w1 = closed(agent, "W1", "won", "400.00", local(2031, 2, 15, 12, 0))
    w2 = closed(manager, "W2", "won", "250.00", local(2031, 4, 1, 0, 30))
    l1 = closed(agent, "L1", "lost", "999.00", local(2031, 2, 1, 10, 0))
    o2 = closed(other_agent, "O2", "won", "900.00", local(2031, 1, 10, 9, 0), entity=other_entity)
    lead = make_case(user=agent, entity=entity_n, case_type="lead", subject="Lead", amount=D("50"))

    for user, year, month, amount in (
        (agent, 2031, 1, "100.00"),
        (agent, 2031, 2, "200.00"),
        (agent, 2031, 4, "300.00"),
        (manager, 2031, 3, "150.00"),
        (other_agent, 2031, 1, "1000.00"),
    ):
        SalesTarget.objects.create(user=user, year=year, month=month, amount=D(amount))

    return SimpleNamespace(
        a1=a1, a2=a2, a3=a3, t1=t1, m1=m1, m2=m2, o1=o1, w1=w1, w2=w2, l1=l1, o2=o2,
        lead=lead, campaign=campaign, source=source, f1=f1, f2=f2,
        north_zone=north_zone, south_zone=south_zone, entity_n=entity_n,
    )  # fmt: skip
