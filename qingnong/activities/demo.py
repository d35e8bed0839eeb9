"""Demo step: activities of the Anqing orgs (uneven, every theme and form, a few planned ahead, some with
the youth who took part and photos), then the R12 pass that sets each group 活跃 or 沉寂 from its
content and activities — so that the dormant list and the dashboard agree with the dates.

Runs after the content step; idempotent (nothing is loaded when the city already has activities).
"""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.content.services import group_dormancy_refresh
from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.models import Org

from .generate import add_demo_photos, load_activities
from .models import Activity


def seed_demo(ctx: DataContext) -> None:
    from qingnong.orgs.demo import CITY_CODE

    city = ctx.shared.get("city") or Org.objects.filter(division_code=CITY_CODE).first()
    if city is None:
        return
    if Activity.objects.filter(city.subtree_q("org__path")).exists():
        ctx.say("线上线下活动：演示数据已存在，跳过")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts, held = load_activities(ctx, city, with_youth=True)
        photos = add_demo_photos(held)
        audit_record(
            actor=SYSTEM,
            action="activities.bulk_create",
            obj=None,
            after={"activities": counts.activities, "photos": photos},
            org_path=city.path,
            object_repr=f"批量新增活动 {counts.activities} 项（演示数据）",
        )
        dormancy = group_dormancy_refresh(actor=SYSTEM, today=ctx.today, root=city)
    seconds = time.perf_counter() - started
    ctx.say(
        f"线上线下活动：{counts.activities} 项（计划 {counts.planned}），关联群 {counts.links} 次，"
        f"照片 {photos} 张；群活跃度：{dormancy.activated} 个活跃、{dormancy.dormant} 个沉寂"
        f"（{seconds:.1f} 秒）"
    )
