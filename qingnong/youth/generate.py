"""Generated youth for the demo and the scale data: deterministic for a seed, bulk-loaded.

The youth of one org get consecutive ids, so later steps (groups, memberships) know each org's youth as
an id range without reading anything back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from qingnong.core.datagen import DataContext

from .bulk import IdBlock, copy_rows, fix_sequence
from .choices import Whereabouts, YouthCategory, YouthSource
from .models import Youth

AWAY_PLACES = ("上海", "杭州", "苏州", "合肥", "南京", "深圳", "广州", "宁波", "无锡", "北京", "武汉", "温州")
JOBS = (
    ("种植户", "茶叶"),
    ("养殖户", "水产养殖"),
    ("电商店主", "农村电商"),
    ("务工", "制造业"),
    ("教师", "教育"),
    ("村医", "卫生"),
    ("个体经营", "商贸"),
    ("合作社成员", "农业合作"),
    ("快递员", "物流"),
    ("在校学生", "学生"),
    ("厨师", "餐饮"),
    ("司机", "交通运输"),
)
INTERESTS = ("篮球", "广场舞", "摄影", "读书", "黄梅戏", "短视频", "志愿服务", "钓鱼", "徒步", "书法")
COLUMNS = (
    "id",
    "name",
    "gender",
    "birth_year",
    "phone",
    "wechat_id",
    "is_league_member",
    "home_org_id",
    "whereabouts",
    "away_place",
    "occupation",
    "industry",
    "interests",
    "tags",
    "categories",
    "liaison_id",
    "source",
    "notes",
    "created_at",
    "updated_at",
)


@dataclass
class YouthPlan:
    """What the youth step leaves for the groups step."""

    ranges: dict[int, tuple[int, int]] = field(default_factory=dict)  # org id -> (first id, count)
    by_category: dict[str, list[tuple[int, int]]] = field(
        default_factory=dict
    )  # code -> [(youth id, org id)]
    total: int = 0


def _youth_rows(
    ctx: DataContext,
    orgs: list[tuple[int, list[int]]],
    per_org: tuple[int, int],
    plan: YouthPlan,
    phone_base: int,
    ids: IdBlock,
) -> Iterator[list[Any]]:
    rng = ctx.rng
    now = timezone.now()
    this_year = ctx.today.year
    counter = phone_base
    cats = (YouthCategory.LEADER, YouthCategory.VILLAGE_OFFICIAL, YouthCategory.ENTREPRENEUR)
    for org_id, cadres in orgs:
        count = rng.randint(*per_org)
        first = ids.next
        for _ in range(count):
            pk = ids.take()
            counter += 1
            away = rng.random() < 0.25
            categories: list[str] = []
            if away and rng.random() < 0.6:
                categories.append(YouthCategory.AWAY)
            roll = rng.random()
            if roll < 0.05:
                categories.append(cats[0])
            elif roll < 0.06:
                categories.append(cats[1])
            elif roll < 0.09:
                categories.append(cats[2])
            for code in categories:
                plan.by_category.setdefault(code, []).append((pk, org_id))
            occupation, industry = rng.choice(JOBS)
            yield [
                pk,
                ctx.person_name(),
                "male" if rng.random() < 0.52 else "female",
                this_year - rng.randint(16, 35),
                f"17{counter:09d}" if rng.random() < 0.75 else None,
                f"qn{counter:x}" if rng.random() < 0.3 else None,
                rng.random() < 0.4,
                org_id,
                Whereabouts.AWAY if away else Whereabouts.HOME,
                rng.choice(AWAY_PLACES) if away else "",
                occupation,
                industry,
                rng.choice(INTERESTS) if rng.random() < 0.5 else "",
                [],
                categories,
                rng.choice(cadres) if cadres and rng.random() < 0.3 else None,
                YouthSource.SURVEY if rng.random() < 0.8 else YouthSource.GROUP,
                "",
                now,
                now,
            ]
        plan.ranges[org_id] = (first, count)
        plan.total += count


def load_youth(
    ctx: DataContext, orgs: list[tuple[int, list[int]]], *, per_org: tuple[int, int], phone_base: int
) -> YouthPlan:
    """Write youth for each (org id, cadre ids of that org); the cadres are possible liaisons."""
    plan = YouthPlan()
    # Ids are read before COPY starts: the connection runs nothing else while a COPY is open.
    ids = IdBlock(Youth)
    copy_rows(Youth, COLUMNS, _youth_rows(ctx, orgs, per_org, plan, phone_base, ids))
    fix_sequence(Youth)
    return plan


def cadres_by_org(root_path: str) -> dict[int, list[int]]:
    """Active cadre ids of every org in the subtree, by org id; one query."""
    from qingnong.core.scoping import subtree_q
    from qingnong.orgs.models import Cadre

    cadres: dict[int, list[int]] = {}
    rows = (
        Cadre.objects.filter(subtree_q("org__path", root_path), is_active=True)
        .order_by("pk")
        .values_list("pk", "org_id")
    )
    for pk, org_id in rows.iterator(chunk_size=20000):
        cadres.setdefault(org_id, []).append(pk)
    return cadres
