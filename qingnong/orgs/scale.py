"""Scale data for benchmarks: a city (≈ 5 k orgs) or a province of 16 cities (≈ 50 k orgs), with cadres.

Deterministic for a seed; written with bulk inserts and one summary audit entry per load.
"""

from __future__ import annotations

import time

from django.db import transaction

from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM

from .bulk import OrgSpec, org_tree_bulk_create
from .choices import GrassrootsKind, OrgLevel
from .demo import staff_orgs
from .models import Org

# counties per city, townships per county, grassroots orgs per township (ranges, inclusive)
PROFILES = {
    "city": {"cities": 1, "counties": (10, 10), "townships": (15, 19), "grassroots": (25, 33)},
    "province": {"cities": 16, "counties": (9, 11), "townships": (13, 17), "grassroots": (18, 22)},
}
SCALE_MARK = "规模测试"


def _city_spec(ctx: DataContext, number: int, plan: dict) -> OrgSpec:
    city = OrgSpec(name=f"{SCALE_MARK}{number:02d}市", short_name=f"测{number:02d}", level=OrgLevel.CITY)
    for c in range(ctx.rng.randint(*plan["counties"])):
        county = OrgSpec(
            name=f"测{number:02d}市{c + 1:02d}县", short_name=f"{c + 1:02d}县", level=OrgLevel.COUNTY
        )
        city.children.append(county)
        for t in range(ctx.rng.randint(*plan["townships"])):
            town = OrgSpec(name=f"{county.name}{t + 1:02d}镇", level=OrgLevel.TOWNSHIP)
            county.children.append(town)
            for g in range(ctx.rng.randint(*plan["grassroots"])):
                direct = ctx.rng.random() < 0.08
                town.children.append(
                    OrgSpec(
                        name=f"{town.name}{g + 1:02d}{'直属' if direct else '村'}",
                        level=OrgLevel.GRASSROOTS,
                        kind=ctx.rng.choice([GrassrootsKind.ENTERPRISE, GrassrootsKind.SCHOOL])
                        if direct
                        else GrassrootsKind.VILLAGE,
                    )
                )
    return city


def gen_scale(ctx: DataContext) -> None:
    plan = PROFILES[ctx.profile]
    root_name = f"{SCALE_MARK}省" if ctx.profile == "province" else f"{SCALE_MARK}01市"
    if Org.objects.filter(name=root_name, depth=1).exists():
        ctx.say(f"组织：已存在“{root_name}”，跳过（请使用空数据库）")
        ctx.shared["scale_root"] = Org.objects.get(name=root_name, depth=1)
        return
    started = time.perf_counter()
    if ctx.profile == "province":
        root = OrgSpec(name=root_name, short_name="测试", level=OrgLevel.PROVINCE)
        root.children = [_city_spec(ctx, n + 1, plan) for n in range(plan["cities"])]
    else:
        root = _city_spec(ctx, 1, plan)
    with transaction.atomic():
        created = org_tree_bulk_create(actor=SYSTEM, parent=None, specs=[root], audit="summary")
    ctx.say(f"组织：{len(created)} 个（{time.perf_counter() - started:.1f} 秒）")
    started = time.perf_counter()
    cadres = 0
    # Staff in chunks so memory stays flat on the province profile.
    for i in range(0, len(created), 5000):
        with transaction.atomic():
            cadres += len(staff_orgs(ctx, created[i : i + 5000], audit="summary"))
    ctx.say(f"团干部：{cadres} 名（{time.perf_counter() - started:.1f} 秒）")
    ctx.shared["scale_root"] = root.org
    ctx.shared["scale_orgs"] = created
