"""Scale step: activities of every org of the generated city or province, then the R12 pass over its
groups. Does nothing without generated orgs."""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.content.services import group_dormancy_refresh
from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM

from .generate import load_activities
from .models import Activity


def gen_scale(ctx: DataContext) -> None:
    root = ctx.shared.get("scale_root")
    if root is None:
        ctx.say("线上线下活动：没有生成的组织，跳过")
        return
    if Activity.objects.filter(root.subtree_q("org__path")).exists():
        ctx.say("线上线下活动：已存在，跳过")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts, _held = load_activities(ctx, root)
        audit_record(
            actor=SYSTEM,
            action="activities.bulk_create",
            obj=None,
            after={"activities": counts.activities},
            org_path=root.path,
            object_repr=f"批量新增活动 {counts.activities} 项（规模测试）",
        )
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        dormancy = group_dormancy_refresh(actor=SYSTEM, today=ctx.today, root=root)
    ctx.say(
        f"线上线下活动：{counts.activities} 项（{loaded:.1f} 秒）；"
        f"群活跃度：检查 {dormancy.checked} 个，{dormancy.activated} 个转为活跃、"
        f"{dormancy.dormant} 个转为沉寂（{time.perf_counter() - started:.1f} 秒）"
    )
