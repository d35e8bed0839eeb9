"""Demo step: the Anqing 三群 ledger in a mid-campaign state (after the orgs and youth steps).

Idempotent: when the city already has groups, nothing is loaded.
"""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.models import Org

from .choices import GroupType
from .generate import PARAMS, load_ledger
from .models import ChatGroup


def seed_demo(ctx: DataContext) -> None:
    from qingnong.orgs.demo import CITY_CODE

    city = ctx.shared.get("city") or Org.objects.filter(division_code=CITY_CODE).first()
    if city is None:
        return
    if ChatGroup.objects.in_subtree(city.path).exists():
        ctx.say("微信群：演示数据已存在，跳过")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts = load_ledger(ctx, city, ctx.shared.get("youth_plan"), PARAMS["demo"])
        audit_record(
            actor=SYSTEM,
            action="wxgroups.group.bulk_create",
            obj=None,
            after={"groups": counts.groups, "memberships": counts.memberships, "codes": counts.codes},
            org_path=city.path,
            object_repr=f"批量新增微信群 {counts.groups} 个（演示数据）",
        )
    labels = dict(GroupType.choices)
    types = "，".join(f"{labels[k]} {v}" for k, v in counts.by_type.items())
    ctx.say(
        f"微信群：{counts.groups} 个（{types}），成员 {counts.memberships} 条，"
        f"活码 {counts.codes} 个（{time.perf_counter() - started:.1f} 秒）"
    )
