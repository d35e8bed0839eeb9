"""Demo step: ≈ 60 k youth in the Anqing villages and direct orgs (after the orgs step, before the groups).

Idempotent: when the city already has youth, nothing is loaded.
"""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.choices import OrgLevel, OrgStatus
from qingnong.orgs.models import Org

from .generate import cadres_by_org, load_youth
from .models import Youth

# Youth per village or direct org: ≈ 1 350 grassroots orgs × 44 ≈ 60 k.
PER_ORG = (30, 58)


def seed_demo(ctx: DataContext) -> None:
    from qingnong.orgs.demo import CITY_CODE

    city = ctx.shared.get("city") or Org.objects.filter(division_code=CITY_CODE).first()
    if city is None:
        return
    if Youth.objects.in_subtree(city.path).exists():
        ctx.say("青年：演示数据已存在，跳过")
        return
    started = time.perf_counter()
    grassroots = list(
        Org.objects.filter(city.subtree_q())
        .filter(level=OrgLevel.GRASSROOTS, status=OrgStatus.ACTIVE)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    cadres = cadres_by_org(city.path)
    with transaction.atomic():
        plan = load_youth(ctx, [(pk, cadres.get(pk, [])) for pk in grassroots], per_org=PER_ORG, phone_base=0)
        audit_record(
            actor=SYSTEM,
            action="youth.youth.bulk_create",
            obj=None,
            after={"count": plan.total},
            org_path=city.path,
            object_repr=f"批量新增青年 {plan.total} 名（演示数据）",
        )
    ctx.shared["youth_plan"] = plan
    ctx.say(f"青年：{plan.total} 名（{time.perf_counter() - started:.1f} 秒）")
