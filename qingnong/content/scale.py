"""Scale step: content supply of the generated city or province (tasks to every group, confirmations and
own records, ≈ 8 per group), bulk-loaded. Does nothing when the ledger step made no groups."""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.wxgroups.models import ChatGroup

from .generate import PARAMS, load_content
from .models import ContentItem


def gen_scale(ctx: DataContext) -> None:
    root = ctx.shared.get("scale_root")
    if root is None or not ChatGroup.objects.in_subtree(root.path).exists():
        ctx.say("内容供给：没有微信群，跳过")
        return
    if ContentItem.objects.filter(root.subtree_q("org__path")).exists():
        ctx.say("内容供给：已存在，跳过")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts = load_content(ctx, root, PARAMS[ctx.profile])
        audit_record(
            actor=SYSTEM,
            action="content.bulk_create",
            obj=None,
            after={"items": counts.items, "tasks": counts.tasks, "posts": counts.confirmations + counts.own},
            org_path=root.path,
            object_repr=f"批量新增供稿 {counts.items} 条、转发任务 {counts.tasks} 个（规模测试）",
        )
    ctx.say(
        f"内容供给：转发任务 {counts.tasks} 个（{counts.task_groups} 群次，已确认 {counts.confirmations}），"
        f"自行发送 {counts.own} 条（{time.perf_counter() - started:.1f} 秒）"
    )
