"""Scale step: youth of the generated city (≈ 300 k) or province (≈ 2 M), bulk-loaded (COPY on PostgreSQL)."""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.core.audit import audit_record
from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.choices import OrgLevel

from .bulk import analyze
from .generate import cadres_by_org, load_youth
from .models import Youth

# Youth per grassroots org: city ≈ 4 300 orgs × 70 ≈ 300 k; province ≈ 50 k orgs × 40 ≈ 2 M.
PER_ORG = {"city": (48, 76), "province": (35, 51)}
# Phone numbers of scale youth start here, far from the demo's.
PHONE_BASE = 500_000_000


def gen_scale(ctx: DataContext) -> None:
    orgs = ctx.shared.get("scale_orgs")
    root = ctx.shared.get("scale_root")
    if not orgs or root is None:
        ctx.say("青年：没有新生成的组织，跳过")
        return
    if Youth.objects.in_subtree(root.path).exists():
        ctx.say("青年：已存在，跳过")
        return
    started = time.perf_counter()
    from qingnong.orgs.models import Cadre, Org, Position

    analyze(Org, Cadre, Position)
    grassroots = [o.pk for o in orgs if o.level == OrgLevel.GRASSROOTS]
    cadres = cadres_by_org(root.path)
    with transaction.atomic():
        plan = load_youth(
            ctx,
            [(pk, cadres.get(pk, [])) for pk in grassroots],
            per_org=PER_ORG[ctx.profile],
            phone_base=PHONE_BASE,
        )
        audit_record(
            actor=SYSTEM,
            action="youth.youth.bulk_create",
            obj=None,
            after={"count": plan.total},
            org_path=root.path,
            object_repr=f"批量新增青年 {plan.total} 名（规模测试）",
        )
    analyze(Youth)
    ctx.shared["youth_plan"] = plan
    ctx.say(f"青年：{plan.total} 名（{time.perf_counter() - started:.1f} 秒）")
