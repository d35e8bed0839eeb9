"""Demo step: content supply of 团安庆市委 and its counties — a library, forwarding tasks in every state
(done long ago, running, due soon, withdrawn), confirmations and the owners' own records.

Runs after the ledger step; idempotent (nothing is loaded when the city already has content). The demo
village cadre (``cungan``) is given a second group of their own if the ledger gave them only one, and
their groups leave the last fortnight's tasks unconfirmed, so that 待转发 has something to confirm.
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction
from django.db.models import Q

from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.models import Org, User
from qingnong.wxgroups.choices import Basis, GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup

from .generate import PARAMS, load_content
from .models import ContentItem
from .selectors import COUNTED_STATUSES

DEMO_VILLAGE_USER = "cungan"


def _demo_village(ctx: DataContext) -> tuple[str, ...]:
    """The demo village cadre's org path, after making sure the cadre runs two groups there."""
    user = User.objects.filter(username=DEMO_VILLAGE_USER).select_related("cadre", "home_org").first()
    if user is None or user.cadre is None or user.home_org is None:
        return ()
    cadre, org = user.cadre, user.home_org
    mine = ChatGroup.objects.filter(Q(owner=cadre) | Q(admins=cadre), status__in=COUNTED_STATUSES).distinct()
    if mine.count() < 2:
        from qingnong.wxgroups.services import group_create

        group_create(
            actor=SYSTEM,
            org=org,
            name=f"{org.name}青年创业交流群",
            group_type=GroupType.TUANQING,
            owner=cadre,
            bases=[Basis.TRADE],
            member_count=36,
            founded_on=ctx.today - datetime.timedelta(days=60),
            status=GroupStatus.ACTIVE,
            function="交流种养殖和电商经验",
        )
    return (org.path,)


def seed_demo(ctx: DataContext) -> None:
    from qingnong.orgs.demo import CITY_CODE

    city = ctx.shared.get("city") or Org.objects.filter(division_code=CITY_CODE).first()
    if city is None:
        return
    if not ChatGroup.objects.in_subtree(city.path).exists():
        ctx.say("内容供给：还没有微信群，跳过")
        return
    if ContentItem.objects.filter(city.subtree_q("org__path")).exists():
        ctx.say("内容供给：演示数据已存在，跳过")
        return
    started = time.perf_counter()
    with transaction.atomic():
        quiet = _demo_village(ctx)
        counts = load_content(ctx, city, PARAMS["demo"], quiet_paths=quiet)
        audit_record(
            actor=SYSTEM,
            action="content.bulk_create",
            obj=None,
            after={"items": counts.items, "tasks": counts.tasks, "posts": counts.confirmations + counts.own},
            org_path=city.path,
            object_repr=f"批量新增供稿 {counts.items} 条、转发任务 {counts.tasks} 个（演示数据）",
        )
    seconds = time.perf_counter() - started
    ctx.say(
        f"内容供给：供稿 {counts.items} 条，转发任务 {counts.tasks} 个（下发 {counts.task_groups} 群次，"
        f"已确认 {counts.confirmations}），群主自行发送 {counts.own} 条（{seconds:.1f} 秒）"
    )
