"""Builders for the dashboard and reminder tests: a campaign whose deadlines have all passed, groups,
youth."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from qingnong.campaign import services as campaign_services
from qingnong.campaign.models import Campaign
from qingnong.core.system import SYSTEM
from qingnong.orgs import services as org_services
from qingnong.orgs.choices import GrassrootsKind, OrgLevel, PositionTitle
from qingnong.wxgroups.models import ChatGroup, GroupMembership
from qingnong.youth.models import Youth


def past_campaign(world: Any) -> Campaign:
    """Last year's campaign of the city: with no campaign for this year it governs, and every deadline has
    passed whatever today is."""
    year = timezone.localdate().year - 1
    existing = Campaign.objects.filter(org=world.city, year=year).first()
    return existing or campaign_services.campaign_create(actor=SYSTEM, org=world.city, year=year)


def group(org: Any, gtype: str = "tuanqing", status: str = "built", **kw: Any) -> ChatGroup:
    defaults: dict[str, Any] = {"name": f"{org.name}{gtype}群", "member_count": 30, "bases": ["geo"]}
    defaults.update(kw)
    return ChatGroup.objects.create(org=org, group_type=gtype, status=status, **defaults)


def youth(org: Any, n: int, *, liaison: Any = None, start: int = 0) -> list[Youth]:
    return [Youth.objects.create(name=f"青年{start + i}", home_org=org, liaison=liaison) for i in range(n)]


def member(group_obj: ChatGroup, people: list[Youth]) -> None:
    GroupMembership.objects.bulk_create([GroupMembership(group=group_obj, youth=p) for p in people])


def village(parent: Any, name: str) -> Any:
    return org_services.org_create(
        actor=SYSTEM, parent=parent, name=name, level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
    )


def cadre(org: Any, name: str, **flags: Any) -> Any:
    c = org_services.cadre_create(actor=SYSTEM, org=org, name=name)
    org_services.position_create(actor=SYSTEM, cadre=c, org=org, title=PositionTitle.SECRETARY, **flags)
    return c


def county_with_villages(city: Any, name: str, code: str, villages: int = 3) -> Any:
    """A county with one township and ``villages`` villages, one cadre each, half of them with a group."""
    county = org_services.org_create(
        actor=SYSTEM, parent=city, name=name, level=OrgLevel.COUNTY, division_code=code, short_name=name[:2]
    )
    town = org_services.org_create(actor=SYSTEM, parent=county, name=f"{name}镇", level=OrgLevel.TOWNSHIP)
    for i in range(villages):
        v = village(town, f"{name}{i}村")
        owner = cadre(v, f"{name}干部{i}")
        if i % 2 == 0:
            g = group(v, owner=owner)
            member(g, youth(v, 3, start=1000 * i))
    return county


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)
