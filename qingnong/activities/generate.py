"""Generated activities for the demo and the scale data: uneven across orgs (many villages hold one or two
a quarter, some none, townships and counties more and bigger ones), online and offline, every theme, a
few planned ahead; linked to groups consistently with the groups' heat from the content step (a quiet
group has no recent activity). Bulk-written with ids chosen here."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from qingnong.content.generate import COLD, QUIET_DAYS
from qingnong.content.selectors import COUNTED_STATUSES
from qingnong.core.datagen import DataContext
from qingnong.core.scoping import subtree_q
from qingnong.orgs.choices import OrgLevel
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.bulk import IdBlock, copy_rows, fix_sequence

from .choices import ActivityStatus, ActivityTheme, ActivityType
from .models import Activity, ActivityPhoto

TITLES = {
    ActivityTheme.ENTREPRENEURSHIP: [
        "返乡青年创业沙龙",
        "电商直播带货培训",
        "青年创业项目路演",
        "特色种植技术培训",
    ],
    ActivityTheme.VOLUNTEER: [
        "“青春助农”志愿服务",
        "关爱留守儿童志愿活动",
        "河道清洁志愿行动",
        "敬老院志愿服务",
    ],
    ActivityTheme.CULTURE_SPORTS: [
        "青年篮球友谊赛",
        "青年读书分享会",
        "农民丰收节文艺汇演",
        "乡村青年趣味运动会",
    ],
    ActivityTheme.POLICY: ["团的政策宣讲进村", "防诈骗知识宣讲", "乡村振兴政策宣讲会", "线上政策知识答题"],
    ActivityTheme.SOCIAL: ["青年联谊交友活动", "在外青年返乡座谈会", "青年企业家交流会"],
    ActivityTheme.OTHER: ["青年议事会", "团员主题活动日"],
}
THEME_WEIGHTS = [
    (ActivityTheme.ENTREPRENEURSHIP, 25),
    (ActivityTheme.VOLUNTEER, 25),
    (ActivityTheme.CULTURE_SPORTS, 15),
    (ActivityTheme.POLICY, 20),
    (ActivityTheme.SOCIAL, 10),
    (ActivityTheme.OTHER, 5),
]
TYPE_WEIGHTS = [(ActivityType.OFFLINE, 60), (ActivityType.ONLINE, 25), (ActivityType.MIXED, 15)]
PLACES = ["{org}村部会议室", "{org}文化广场", "{org}党群服务中心", "{org}青年之家"]
# Activities per org over the last four months, by level: (choices, weights).
PER_ORG = {
    OrgLevel.GRASSROOTS: ([0, 1, 2, 3, 4], [30, 30, 20, 12, 8]),
    OrgLevel.TOWNSHIP: ([1, 2, 3, 4, 5], [15, 25, 25, 20, 15]),
    OrgLevel.COUNTY: ([2, 3, 4, 5, 6], [20, 20, 20, 20, 20]),
    OrgLevel.CITY: ([3, 4, 5, 6, 8], [20, 20, 20, 20, 20]),
    OrgLevel.PROVINCE: ([2, 3, 4], [30, 40, 30]),
}
PARTICIPANTS = {
    OrgLevel.GRASSROOTS: (8, 80),
    OrgLevel.TOWNSHIP: (20, 200),
    OrgLevel.COUNTY: (60, 1500),
    OrgLevel.CITY: (200, 5000),
    OrgLevel.PROVINCE: (500, 20000),
}


@dataclass
class Counts:
    activities: int = 0
    planned: int = 0
    links: int = 0
    youth: int = 0
    photos: int = 0
    by_theme: dict[str, int] = field(default_factory=dict)


def _weighted(rng: Any, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(20, 0), timezone.get_current_timezone())


def load_activities(ctx: DataContext, root: Org, *, with_youth: bool = False) -> tuple[Counts, list[int]]:
    """Activities of every org under ``root``; returns the counts and the ids of held activities (for
    photos)."""
    rng, today = ctx.rng, ctx.today
    counts = Counts()
    heat: dict[int, str] = ctx.shared.get("content_heat") or {}
    orgs = list(
        Org.objects.filter(subtree_q("path", root.path), status="active")
        .order_by("path")
        .values_list("pk", "name", "level")
    )
    groups_by_org: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, org_id, status in (
        ChatGroup.objects.filter(subtree_q("org__path", root.path), status__in=COUNTED_STATUSES)
        .values_list("pk", "org_id", "status")
        .iterator(chunk_size=10000)
    ):
        groups_by_org[org_id].append(
            (pk, heat.get(pk) or (COLD if status == GroupStatus.DORMANT else "warm"))
        )
    youth_by_org: dict[int, list[int]] = defaultdict(list)
    if with_youth:
        from qingnong.youth.models import Youth

        for pk, org_id in Youth.objects.filter(subtree_q("home_org__path", root.path)).values_list(
            "pk", "home_org_id"
        ):
            youth_by_org[org_id].append(pk)

    ids, link_ids = IdBlock(Activity), IdBlock(Activity.groups.through)
    youth_ids = IdBlock(Activity.youth.through)
    rows: list[list[Any]] = []
    links: list[list[Any]] = []
    attendees: list[list[Any]] = []
    held: list[int] = []
    for org_id, name, level in orgs:
        choices, weights = PER_ORG.get(level, PER_ORG[OrgLevel.GRASSROOTS])
        low, high = PARTICIPANTS.get(level, PARTICIPANTS[OrgLevel.GRASSROOTS])
        for _ in range(rng.choices(choices, weights=weights)[0]):
            theme = _weighted(rng, THEME_WEIGHTS)
            kind = _weighted(rng, TYPE_WEIGHTS)
            planned = rng.random() < 0.08
            day = (
                today + datetime.timedelta(days=rng.randint(1, 40))
                if planned
                else today - datetime.timedelta(days=rng.randint(0, 120))
            )
            participants = rng.randint(low, high) if not planned else 0
            if kind == ActivityType.ONLINE:
                participants = min(100_000, participants * 2)
            pk = ids.take()
            short = name.removesuffix("村").removesuffix("社区")
            place = "" if kind == ActivityType.ONLINE else rng.choice(PLACES).format(org=short)
            hours = Decimal(rng.choice(["1.0", "1.5", "2.0", "2.5", "3.0", "4.0", "8.0"]))
            rows.append(
                [
                    pk,
                    org_id,
                    rng.choice(TITLES[theme]),
                    kind,
                    theme,
                    ActivityStatus.PLANNED if planned else ActivityStatus.HELD,
                    day,
                    hours,
                    place,
                    participants,
                    "",
                    "",
                    None,
                    _at(min(day, today)),
                    _at(min(day, today)),
                ]
            )
            counts.activities += 1
            counts.planned += int(planned)
            counts.by_theme[theme] = counts.by_theme.get(theme, 0) + 1
            if not planned:
                held.append(pk)
            # A quiet group only had activities before the dormancy window.
            recent = (today - day).days < QUIET_DAYS
            candidates = [g for g, h in groups_by_org.get(org_id, []) if not (recent and h == COLD)]
            if candidates and rng.random() < 0.75:
                for group_id in rng.sample(candidates, k=min(len(candidates), rng.choice([1, 1, 2]))):
                    links.append([link_ids.take(), pk, group_id])
                    counts.links += 1
            people = youth_by_org.get(org_id)
            if people and not planned and rng.random() < 0.35:
                for youth_id in rng.sample(people, k=min(len(people), participants, rng.randint(3, 12))):
                    attendees.append([youth_ids.take(), pk, youth_id])
                    counts.youth += 1
    copy_rows(
        Activity,
        (
            "id",
            "org_id",
            "title",
            "activity_type",
            "theme",
            "status",
            "held_on",
            "duration_hours",
            "place",
            "participants",
            "description",
            "link",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
        rows,
    )
    copy_rows(Activity.groups.through, ("id", "activity_id", "chatgroup_id"), links)
    copy_rows(Activity.youth.through, ("id", "activity_id", "youth_id"), attendees)
    for model in (Activity, Activity.groups.through, Activity.youth.through):
        fix_sequence(model)
    return counts, held


def demo_photo(seed: int, title: str) -> ContentFile:
    """A plain picture standing in for an activity photo (colour bands and the title)."""
    from PIL import Image, ImageDraw, ImageFont

    from qingnong.wxgroups.images import cjk_font_path

    path = cjk_font_path()
    font = ImageFont.truetype(path, size=48) if path else ImageFont.load_default(size=48)

    colours = [(76, 175, 80), (33, 150, 243), (255, 152, 0), (156, 39, 176), (0, 150, 136)]
    image = Image.new("RGB", (960, 640), colours[seed % len(colours)])
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 460, 960, 640], fill=(255, 255, 255))
    draw.text((480, 550), title, font=font, fill=(31, 35, 41), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name="photo.jpg")


def add_demo_photos(activity_ids: list[int], *, limit: int = 24) -> int:
    """One or two photos for the latest held activities (files under MEDIA_ROOT/private)."""
    made = 0
    for activity in Activity.objects.filter(pk__in=activity_ids).order_by("-held_on", "pk")[:limit]:
        for n in range(1 + activity.pk % 2):
            photo = ActivityPhoto(activity=activity)
            photo.image.save("photo.jpg", demo_photo(activity.pk + n, activity.title), save=False)
            photo.save()
            made += 1
    return made
