"""Scale step: groups, memberships and live codes of the generated city (≈ 15 k groups, 600 k members) or
province (≈ 150 k groups, 4 M members), bulk-loaded (COPY on PostgreSQL)."""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM

from .generate import PARAMS, load_ledger
from .models import ChatGroup


def gen_scale(ctx: DataContext) -> None:
    root = ctx.shared.get("scale_root")
    if root is None or not ctx.shared.get("scale_orgs"):
        ctx.say("微信群：没有新生成的组织，跳过")
        return
    if ChatGroup.objects.in_subtree(root.path).exists():
        ctx.say("微信群：已存在，跳过")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts = load_ledger(ctx, root, ctx.shared.get("youth_plan"), PARAMS[ctx.profile])
        audit_record(
            actor=SYSTEM,
            action="wxgroups.group.bulk_create",
            obj=None,
            after={"groups": counts.groups, "memberships": counts.memberships, "codes": counts.codes},
            org_path=root.path,
            object_repr=f"批量新增微信群 {counts.groups} 个（规模测试）",
        )
    ctx.say(
        f"微信群：{counts.groups} 个，成员 {counts.memberships} 条，活码 {counts.codes} 个"
        f"（{time.perf_counter() - started:.1f} 秒）"
    )
