"""Generated content supply for the demo and the scale data: content items, forwarding tasks with their
groups, confirmations and the owners' own records, giving R11 and R12 a realistic mix.

Each counted group gets a "heat" from its ledger status: most groups are fed (recent content, many
forwarding confirmations), some are lukewarm, some have gone quiet (only content older than the dormancy
window, or none). Counties differ (a factor per child of the root), so frequencies are uneven. Rows are
written with ids chosen here (COPY on PostgreSQL, batched inserts on SQLite), nothing is read back.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from qingnong.core.datagen import DataContext
from qingnong.core.scoping import PATH_STEP, path_successor, subtree_q
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.bulk import IdBlock, copy_rows, fix_sequence

from .choices import ContentCategory, PostKind, TaskStatus
from .models import ContentItem, ForwardTask, GroupPost, TaskGroup
from .selectors import COUNTED_STATUSES

HOT, WARM, COLD = "hot", "warm", "cold"
TASK_TYPES = [GroupType.TUANQING, GroupType.EXCLUSIVE]
# Content older than this is outside any campaign's default dormancy window (30 days).
QUIET_DAYS = 31

TITLES: dict[str, list[str]] = {
    ContentCategory.POLICY: [
        "农村青年创业贴息贷款政策解读",
        "返乡入乡创业扶持政策一图读懂",
        "新型职业农民培育政策问答",
        "农村电商扶持政策解读",
    ],
    ContentCategory.LEAGUE_NEWS: [
        "全市农村共青团微信体系建设推进会召开",
        "“青农”微信群建设进展通报",
        "团省委调研我市农村青年工作",
    ],
    ContentCategory.SERVICES: [
        "免费电商技能培训报名开始啦",
        "青年创业小额贷款申请指南",
        "农技专家在线答疑服务",
        "青年就业岗位信息汇总",
    ],
    ContentCategory.EXEMPLARY_WORK: [
        "三群联动服务返乡青年的做法",
        "“青农”群日常运营的五个小经验",
    ],
    ContentCategory.ROLE_MODELS: [
        "返乡青年把家乡茶叶卖到全国",
        "大学生村官的电商助农路",
        "养殖能手带动乡亲增收",
    ],
    ContentCategory.INSPIRATION: ["青春在田野上闪光", "致奋斗在乡村的你", "把论文写在大地上"],
    ContentCategory.NOTICE: [
        "关于开展“青春助农”志愿服务活动的通知",
        "关于征集优秀青年创业项目的通知",
        "汛期安全提示",
    ],
}
BODIES = {
    ContentCategory.POLICY: "各位青年朋友：{title}。符合条件的返乡创业青年可申请贴息贷款，"
    "详情见链接，欢迎转告身边的朋友。",
    ContentCategory.LEAGUE_NEWS: "{title}。请各级团组织认真学习，结合实际抓好落实。",
    ContentCategory.SERVICES: "【{title}】名额有限，有意向的青年请在群里接龙报名，或联系村团支部书记。",
    ContentCategory.EXEMPLARY_WORK: "{title}，供各地学习借鉴。",
    ContentCategory.ROLE_MODELS: "青年榜样｜{title}。他们的故事告诉我们：家乡大有可为！",
    ContentCategory.INSPIRATION: "{title}。愿每一位在乡村奋斗的青年，都被看见，被鼓励。",
    ContentCategory.NOTICE: "{title}：请各村团支部组织青年积极参与，有关要求见正文。",
}
OWN_SUMMARIES = [
    "转发了汛期安全提示",
    "分享了本地企业招工信息",
    "发布了村里的技能培训通知",
    "转发了公众号文章，提醒大家关注",
    "组织群成员讨论特色种植经验",
    "发布了农产品销售信息",
    "提醒大家参加青年座谈会",
    "分享了创业贷款申请流程",
    "通报了村里的道路维修安排",
    "发了防诈骗提醒",
]


@dataclass
class Params:
    top_tasks: int  # tasks the root pushes to its whole subtree
    child_tasks: bool  # each child of the root pushes one task to half its children
    grandchild_tasks: float  # share of grandchildren (e.g. townships) that push one task too
    library_items: int  # extra items without a task, at the root
    hot_posts: tuple[int, int]
    warm_posts: tuple[int, int]
    cold_posts: tuple[int, int]


PARAMS = {
    "demo": Params(4, True, 0.15, 6, (1, 10), (1, 4), (0, 2)),
    "city": Params(3, True, 0.05, 6, (1, 8), (1, 3), (0, 2)),
    "province": Params(2, True, 0.0, 6, (1, 6), (1, 3), (0, 2)),
}


@dataclass
class GroupRow:
    pk: int
    org_path: str
    founded_on: datetime.date
    group_type: str
    heat: str


@dataclass
class Counts:
    items: int = 0
    tasks: int = 0
    task_groups: int = 0
    confirmations: int = 0
    own: int = 0
    heat: dict[str, int] = field(default_factory=dict)


def heat_for(rng: Any, status: str) -> str:
    """Most active groups are fed; most built ones too; dormant ones stay quiet (a few come back)."""
    if status == GroupStatus.ACTIVE:
        return HOT if rng.random() < 0.9 else WARM
    if status == GroupStatus.BUILT:
        return WARM if rng.random() < 0.7 else COLD
    return COLD if rng.random() < 0.85 else WARM


def counted_groups(ctx: DataContext, root: Org) -> list[GroupRow]:
    """The counted groups under ``root`` in path order, each with a heat (kept in ``ctx.shared``)."""
    tz = timezone.get_current_timezone()
    rows = (
        ChatGroup.objects.filter(subtree_q("org__path", root.path), status__in=COUNTED_STATUSES)
        .order_by("org__path", "pk")
        .values_list("pk", "org__path", "status", "founded_on", "created_at", "group_type")
    )
    groups = []
    for pk, path, status, founded, created, gtype in rows.iterator(chunk_size=10000):
        founded = founded or created.astimezone(tz).date()
        groups.append(GroupRow(pk, path, founded, gtype, heat_for(ctx.rng, status)))
    ctx.shared["content_heat"] = {g.pk: g.heat for g in groups}
    return groups


class PathIndex:
    """Groups by org path: the groups of a subtree are one slice (two binary searches)."""

    def __init__(self, groups: list[GroupRow]) -> None:
        self.groups = groups
        self.paths = [g.org_path for g in groups]

    def subtree(self, path: str) -> list[GroupRow]:
        start = bisect.bisect_left(self.paths, path)
        upper = path_successor(path)
        end = bisect.bisect_left(self.paths, upper) if upper else len(self.paths)
        return self.groups[start:end]


@dataclass
class TaskSpec:
    org_id: int
    org_path: str
    created: datetime.date
    due: datetime.date
    targets: list[tuple[int, str]]  # picked (org id, path); empty: the whole subtree
    withdrawn_on: datetime.date | None = None


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), timezone.get_current_timezone())


def _children(path: str, depth: int) -> list[tuple[int, str, int]]:
    return list(
        Org.objects.filter(subtree_q("path", path), depth=depth + 1, status="active")
        .order_by("path")
        .values_list("pk", "path", "depth")
    )


def _task_specs(ctx: DataContext, root: Org, params: Params) -> list[TaskSpec]:
    today, rng = ctx.today, ctx.rng
    specs: list[TaskSpec] = []
    # The root: an old task long done, a recent one, one due soon, one withdrawn.
    plan = [(50, -40), (14, -2), (3, 5), (20, -10)][: params.top_tasks]
    for index, (ago, due) in enumerate(plan):
        created = today - datetime.timedelta(days=ago)
        withdrawn = created + datetime.timedelta(days=2) if index == 3 else None
        specs.append(
            TaskSpec(root.pk, root.path, created, today + datetime.timedelta(days=due), [], withdrawn)
        )
    if params.child_tasks:
        for pk, path, depth in _children(root.path, root.depth):
            picked = [(c[0], c[1]) for c in _children(path, depth) if rng.random() < 0.5]
            created = today - datetime.timedelta(days=rng.randint(4, 9))
            specs.append(TaskSpec(pk, path, created, created + datetime.timedelta(days=10), picked))
            if params.grandchild_tasks:
                for gpk, gpath, _d in _children(path, depth):
                    if rng.random() < params.grandchild_tasks:
                        gcreated = today - datetime.timedelta(days=rng.randint(1, 25))
                        specs.append(
                            TaskSpec(gpk, gpath, gcreated, gcreated + datetime.timedelta(days=7), [])
                        )
    return specs


def _confirm_day(
    rng: Any, heat: str, spec: TaskSpec, today: datetime.date, quiet: bool
) -> datetime.date | None:
    """When (if ever) a group of this heat forwarded the task."""
    last = min(
        spec.due, today, (spec.withdrawn_on - datetime.timedelta(days=1)) if spec.withdrawn_on else today
    )
    if heat == COLD:
        last = min(last, today - datetime.timedelta(days=QUIET_DAYS))
    if last < spec.created or quiet:
        return None
    chance = {HOT: 0.85, WARM: 0.55, COLD: 0.3}[heat]
    if spec.withdrawn_on:
        chance /= 3
    if rng.random() >= chance:
        return None
    return spec.created + datetime.timedelta(days=rng.randint(0, (last - spec.created).days))


def _own_days(
    rng: Any, group: GroupRow, params: Params, today: datetime.date, factor: float
) -> list[datetime.date]:
    age = (today - group.founded_on).days
    if age < 0:
        return []
    low, high = {HOT: params.hot_posts, WARM: params.warm_posts, COLD: params.cold_posts}[group.heat]
    count = max(0, round(rng.randint(low, high) * factor))
    if group.heat == COLD:
        if age < QUIET_DAYS:
            return []
        return [today - datetime.timedelta(days=rng.randint(QUIET_DAYS, min(89, age))) for _ in range(count)]
    window = min(89, age)
    days = [today - datetime.timedelta(days=rng.randint(0, min(20, window)))]  # fed recently
    days += [today - datetime.timedelta(days=rng.randint(0, window)) for _ in range(max(0, count - 1))]
    return days


def load_content(ctx: DataContext, root: Org, params: Params, *, quiet_paths: tuple[str, ...] = ()) -> Counts:
    """Content items, tasks (with their frozen groups and confirmations) and own records under ``root``.

    Groups under ``quiet_paths`` confirm nothing of the last fortnight's tasks: the demo's village cadre
    finds them in 待转发.
    """
    rng, today = ctx.rng, ctx.today
    counts = Counts()
    groups = counted_groups(ctx, root)
    for g in groups:
        counts.heat[g.heat] = counts.heat.get(g.heat, 0) + 1
    index = PathIndex(groups)
    factor_len = len(root.path) + PATH_STEP
    factors: dict[str, float] = {}

    def factor(path: str) -> float:
        key = path[:factor_len]
        if key not in factors:
            factors[key] = rng.uniform(0.4, 1.6)
        return factors[key]

    item_ids, task_ids = IdBlock(ContentItem), IdBlock(ForwardTask)
    post_ids, tg_ids = IdBlock(GroupPost), IdBlock(TaskGroup)
    target_ids = IdBlock(ForwardTask.target_orgs.through)
    items: list[list[Any]] = []
    tasks: list[list[Any]] = []
    targets: list[list[Any]] = []
    posts: list[list[Any]] = []
    task_groups: list[list[Any]] = []
    categories = list(TITLES)

    def add_item(org_id: int, created: datetime.date, category: str) -> tuple[int, str, str]:
        title = rng.choice(TITLES[category])
        link = f"https://mp.weixin.qq.com/s/demo{item_ids.next:06d}"
        pk = item_ids.take()
        valid = created + datetime.timedelta(days=rng.randint(20, 60))
        items.append(
            [
                pk,
                org_id,
                title,
                category,
                BODIES[category].format(title=title),
                link,
                "",
                valid,
                None,
                _at(created),
                _at(created),
            ]
        )
        counts.items += 1
        return pk, title, link

    for n in range(params.library_items):
        add_item(
            root.pk, today - datetime.timedelta(days=rng.randint(0, 80)), categories[n % len(categories)]
        )

    for spec in _task_specs(ctx, root, params):
        item_id, title, link = add_item(spec.org_id, spec.created, rng.choice(categories))
        task_id = task_ids.take()
        reach: list[GroupRow] = []
        for _pk, path in spec.targets or [(spec.org_id, spec.org_path)]:
            reach.extend(g for g in index.subtree(path) if g.group_type in TASK_TYPES)
        if not reach:
            continue
        status = TaskStatus.WITHDRAWN if spec.withdrawn_on else TaskStatus.ACTIVE
        tasks.append(
            [
                task_id,
                item_id,
                spec.org_id,
                list(TASK_TYPES),
                spec.due,
                "请转发到本村各团青群",
                status,
                len(reach),
                _at(spec.withdrawn_on, 17) if spec.withdrawn_on else None,
                "内容需更新" if spec.withdrawn_on else "",
                None,
                _at(spec.created),
                _at(spec.withdrawn_on or spec.created),
            ]
        )
        counts.tasks += 1
        for target_id, _path in spec.targets:
            targets.append([target_ids.take(), task_id, target_id])
        recent = (today - spec.created).days <= 15
        for group in reach:
            quiet = recent and any(group.org_path.startswith(p) for p in quiet_paths)
            day = _confirm_day(rng, group.heat, spec, today, quiet)
            post_id = None
            if day is not None:
                post_id = post_ids.take()
                posts.append(
                    [post_id, group.pk, day, PostKind.FORWARDED, task_id, title, link, "", None, _at(day, 20)]
                )
                counts.confirmations += 1
            task_groups.append([tg_ids.take(), task_id, group.pk, post_id])
            counts.task_groups += 1

    def own_rows() -> Iterator[list[Any]]:
        for group in groups:
            for day in _own_days(rng, group, params, today, factor(group.org_path)):
                counts.own += 1
                yield [
                    post_ids.take(),
                    group.pk,
                    day,
                    PostKind.OWN,
                    None,
                    rng.choice(OWN_SUMMARIES),
                    "",
                    "",
                    None,
                    _at(day, 21),
                ]

    copy_rows(
        ContentItem,
        (
            "id",
            "org_id",
            "title",
            "category",
            "body",
            "link",
            "poster",
            "valid_until",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
        items,
    )
    copy_rows(
        ForwardTask,
        (
            "id",
            "content_id",
            "org_id",
            "group_types",
            "due_on",
            "note",
            "status",
            "group_count",
            "withdrawn_at",
            "withdraw_reason",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
        tasks,
    )
    copy_rows(ForwardTask.target_orgs.through, ("id", "forwardtask_id", "org_id"), targets)
    post_columns = (
        "id",
        "group_id",
        "sent_on",
        "kind",
        "task_id",
        "summary",
        "link",
        "screenshot",
        "recorded_by_id",
        "created_at",
    )
    copy_rows(GroupPost, post_columns, posts)
    copy_rows(GroupPost, post_columns, own_rows())
    copy_rows(TaskGroup, ("id", "task_id", "group_id", "post_id"), task_groups)
    for model in (ContentItem, ForwardTask, ForwardTask.target_orgs.through, GroupPost, TaskGroup):
        fix_sequence(model)
    return counts
