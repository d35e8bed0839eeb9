"""The Anqing demo: 团安庆市委 over its ten county-level divisions, townships, villages, direct orgs,
cadres with positions, and one demo login per level.

Township lists follow Anqing's real divisions where known; village names are generated. The step is
idempotent: when the city already exists it loads nothing and only reports the logins.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qingnong.core.datagen import DataContext
from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM

from .bulk import OrgSpec, cadre_bulk_create, org_tree_bulk_create
from .choices import Gender, GrassrootsKind, OrgLevel, PositionTitle
from .models import Cadre, Org, Position, User
from .services import grant_create, user_create

CITY_CODE = "340800"
DEMO_PASSWORD = "Qingnong@2014"

# Each county line: name, short name, division code; the indented lines below it: its townships.
COUNTY_TABLE = """
迎江区 迎江 340802
    宜城路街道 新河路街道 华中路街道 人民路街道 孝肃路街道 龙狮桥乡 长风乡 新洲乡
    老峰镇
大观区 大观 340803
    德宽路街道 玉琳路街道 龙山路街道 花亭路街道 菱湖街道 集贤路街道 石化路街道 山口乡
    海口镇 十里铺乡
宜秀区 宜秀 340811
    大龙山镇 杨桥镇 罗岭镇 白泽湖乡 五横乡 大桥街道
怀宁县 怀宁 340822
    高河镇 石牌镇 月山镇 马庙镇 金拱镇 茶岭镇 公岭镇 黄墩镇
    三桥镇 小市镇 平山镇 腊树镇 江镇镇 洪铺镇 黄龙镇 凉亭乡
    石镜乡 秀山乡 清河乡 雷埠乡
太湖县 太湖 340825
    晋熙镇 徐桥镇 新仓镇 小池镇 寺前镇 天华镇 牛镇镇 弥陀镇
    北中镇 百里镇 刘畈乡 江塘乡 汤泉乡 城西乡 大石乡
宿松县 宿松 340826
    孚玉镇 复兴镇 汇口镇 许岭镇 程集镇 二郎镇 下仓镇 破凉镇
    凉亭镇 长铺镇 华亭镇 北浴乡 高岭乡 陈汉乡 洲头乡 佐坝乡
    九姑乡 隘口乡 柳坪乡 趾凤乡 千岭乡 五里乡 河塌乡
望江县 望江 340827
    华阳镇 杨湾镇 赛口镇 高士镇 鸦滩镇 长岭镇 太慈镇 漳湖镇
    雷池乡 凉泉乡 九成乡 太白乡 汪畈乡
岳西县 岳西 340828
    天堂镇 店前镇 来榜镇 菖蒲镇 头陀镇 白帽镇 温泉镇 响肠镇
    河图镇 五河镇 主簿镇 冶溪镇 黄尾镇 中关乡 青天乡 包家乡
    古坊乡 莲云乡 和平乡 毛尖山乡 石关乡 田头乡 姚河乡 巍岭乡
桐城市 桐城 340881
    文昌街道 龙眠街道 龙腾街道 孔城镇 范岗镇 新渡镇 双港镇 大关镇
    青草镇 吕亭镇 金神镇 唐湾镇 嬉子湖镇 黄甲镇 鲟鱼镇
潜山市 潜山 340882
    梅城镇 源潭镇 余井镇 王河镇 黄铺镇 槎水镇 水吼镇 官庄镇
    黄柏镇 天柱山镇 痘姆乡 油坝乡 龙潭乡 五庙乡 塔畈乡 双峰乡
"""


def _parse_county_table(text: str) -> list[tuple[str, str, str, list[str]]]:
    counties: list[tuple[str, str, str, list[str]]] = []
    for line in text.strip("\n").splitlines():
        if line.startswith(" "):
            counties[-1][3].extend(line.split())
        else:
            name, short, code = line.split()
            counties.append((name, short, code, []))
    return counties


# (name, short name, division code, townships)
COUNTIES = _parse_county_table(COUNTY_TABLE)

VILLAGE_FIRST = (
    "新民联光和胜红青长永金石杨桥河山湖塘庄岭龙凤丰安平乐宝兴同高东西南北中建团太福双马黄白松竹梅柳花"
)
VILLAGE_SECOND = "河山湖桥塘岭冲畈圩店庄坝港林岗集湾园埠铺墩洲阳丰华兴旺光明和平利民胜安乐富强"
DIRECT_ORGS = [
    (GrassrootsKind.ENTERPRISE, "{town}青年创业园"),
    (GrassrootsKind.ENTERPRISE, "{town}{surname}氏农业科技有限公司"),
    (GrassrootsKind.SCHOOL, "{town}初级中学"),
    (GrassrootsKind.SCHOOL, "{town}中心学校"),
    (GrassrootsKind.COOPERATIVE, "{town}茶叶专业合作社"),
    (GrassrootsKind.COOPERATIVE, "{town}水产养殖专业合作社"),
    (GrassrootsKind.OTHER_DIRECT, "{town}卫生院"),
]

# Demo logins: (username, display name, role, how to find the org, linked to a cadre of that org)
DEMO_USERS = [
    ("anqing", "团安庆市委管理员", Role.ADMIN, "city", False),
    ("huaining", "团怀宁县委管理员", Role.ADMIN, "county", False),
    ("shipai", "石牌镇团委书记", Role.ENTRY, "township", True),
    ("cungan", "村团支部书记", Role.ENTRY, "village", True),
    ("ducha", "团市委督查员", Role.INSPECTOR, "city", False),
]


def _village_names(ctx: DataContext, town: str, count: int, urban: bool) -> list[str]:
    names: list[str] = []
    suffix = "社区" if urban else "村"
    while len(names) < count:
        name = ctx.rng.choice(VILLAGE_FIRST) + ctx.rng.choice(VILLAGE_SECOND) + suffix
        if name not in names:
            names.append(name)
    return names


def build_specs(ctx: DataContext) -> OrgSpec:
    city = OrgSpec(
        name="安庆市",
        short_name="安庆",
        level=OrgLevel.CITY,
        division_code=CITY_CODE,
        contact_phone="0556-5346472",
    )
    for county_name, short, code, towns in COUNTIES:
        county = OrgSpec(name=county_name, short_name=short, level=OrgLevel.COUNTY, division_code=code)
        city.children.append(county)
        for t_index, town in enumerate(towns):
            town_code = f"{code}{100 + t_index:03d}"
            urban = town.endswith("街道")
            township = OrgSpec(
                name=town,
                short_name=town.removesuffix("街道").removesuffix("镇").removesuffix("乡") or town,
                level=OrgLevel.TOWNSHIP,
                division_code=town_code,
            )
            county.children.append(township)
            count = ctx.rng.randint(5, 9) if urban else ctx.rng.randint(6, 12)
            for v_index, village in enumerate(_village_names(ctx, town, count, urban)):
                township.children.append(
                    OrgSpec(
                        name=village,
                        short_name=village,
                        level=OrgLevel.GRASSROOTS,
                        kind=GrassrootsKind.VILLAGE,
                        division_code=f"{town_code}{200 + v_index:03d}",
                    )
                )
            for kind, pattern in ctx.rng.sample(DIRECT_ORGS, ctx.rng.randint(0, 2)):
                name = pattern.format(town=town.removesuffix("街道"), surname=ctx.rng.choice("王李张刘陈杨"))
                township.children.append(
                    OrgSpec(name=name, short_name=name, level=OrgLevel.GRASSROOTS, kind=kind)
                )
    return city


# Positions an org of each level gets, in order: (title, leadership, committee, full-time).
POSITION_PLAN = {
    OrgLevel.CITY: [
        (PositionTitle.SECRETARY, True, True, True),
        (PositionTitle.DEPUTY, True, True, True),
        (PositionTitle.DEPUTY, True, True, True),
        (PositionTitle.PART_TIME_DEPUTY, True, True, False),
        (PositionTitle.MEMBER, False, True, True),
        (PositionTitle.MEMBER, False, True, True),
        (PositionTitle.MEMBER, False, True, False),
    ],
    OrgLevel.COUNTY: [
        (PositionTitle.SECRETARY, True, True, True),
        (PositionTitle.DEPUTY, True, True, True),
        (PositionTitle.PART_TIME_DEPUTY, True, True, False),
        (PositionTitle.MEMBER, False, True, True),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
    ],
    OrgLevel.TOWNSHIP: [
        (PositionTitle.SECRETARY, True, True, False),
        (PositionTitle.DEPUTY, True, True, False),
        (PositionTitle.PART_TIME_DEPUTY, True, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
    ],
    OrgLevel.GRASSROOTS: [
        (PositionTitle.SECRETARY, True, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
        (PositionTitle.MEMBER, False, True, False),
    ],
}


def staff_orgs(ctx: DataContext, orgs: list[Org], *, audit: str = "rows", start_date=None) -> list[Cadre]:
    """3–7 cadres for each org, each with the position of the level's plan (direct orgs: 负责人)."""
    cadres: list[Cadre] = []
    positions: list[tuple[int, Position]] = []
    start = start_date or timezone.localdate().replace(month=1, day=1)
    for org in orgs:
        plan = POSITION_PLAN[org.level][: ctx.rng.randint(3, 7)]
        for title, leadership, committee, full_time in plan:
            if (
                org.level == OrgLevel.GRASSROOTS
                and org.kind != GrassrootsKind.VILLAGE
                and title == PositionTitle.SECRETARY
            ):
                title = PositionTitle.LEADER
            cadres.append(
                Cadre(
                    org=org,
                    name=ctx.person_name(),
                    gender=ctx.rng.choice([Gender.MALE, Gender.FEMALE]),
                    birth_year=ctx.rng.randint(1980, 2000)
                    if org.level != OrgLevel.GRASSROOTS
                    else ctx.rng.randint(1985, 2002),
                    phone=ctx.next_phone(),
                )
            )
            positions.append(
                (
                    len(cadres) - 1,
                    Position(
                        org=org,
                        title=title,
                        is_leadership=leadership,
                        is_committee=committee,
                        is_full_time=full_time,
                        start_date=start,
                    ),
                )
            )
    created, _ = cadre_bulk_create(actor=SYSTEM, cadres=cadres, positions=positions, audit=audit)
    return created


def _demo_org(kind: str, city: Org) -> Org:
    county = Org.objects.get(division_code="340822")
    township = Org.objects.get(path__startswith=county.path, name="石牌镇")
    if kind == "city":
        return city
    if kind == "county":
        return county
    if kind == "township":
        return township
    return (
        Org.objects.filter(path__startswith=township.path, kind=GrassrootsKind.VILLAGE)
        .order_by("path")
        .first()
    )  # type: ignore[return-value]


def create_demo_users(ctx: DataContext, city: Org) -> None:
    for username, display, role, where, with_cadre in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        org = _demo_org(where, city)
        cadre = None
        if with_cadre:
            cadre = (
                Cadre.objects.filter(org=org, positions__title=PositionTitle.SECRETARY).order_by("pk").first()
            )
            display = f"{cadre.name}（{org.name}）" if cadre else display
        with transaction.atomic():
            user = user_create(
                actor=SYSTEM,
                username=username,
                password=DEMO_PASSWORD,
                home_org=org,
                display_name=display,
                cadre=cadre,
            )
            grant_create(actor=SYSTEM, user=user, org=org, role=role)


# Logins that later demo steps create (e.g. the accounts step's editor), printed with these.
EXTRA_DEMO_LOGINS: list[str] = ["bianji"]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, org) of every demo login that exists, from its first grant."""
    from .models import ScopeGrant

    names = [u[0] for u in DEMO_USERS] + EXTRA_DEMO_LOGINS
    rows = []
    for username in names:
        grant = (
            ScopeGrant.objects.filter(user__username=username).select_related("org").order_by("pk").first()
        )
        if grant is not None:
            rows.append((username, str(Role(grant.role).label), grant.org.league_name))
    return rows


def seed_demo(ctx: DataContext) -> None:
    city = Org.objects.filter(division_code=CITY_CODE).first()
    if city is not None:
        ctx.say("组织与团干部：演示数据已存在，跳过")
        ctx.shared["city"] = city
        create_demo_users(ctx, city)
        return
    with transaction.atomic():
        spec = build_specs(ctx)
        created = org_tree_bulk_create(actor=SYSTEM, parent=None, specs=[spec])
        cadres = staff_orgs(ctx, created)
        city = spec.org
        assert city is not None
        create_demo_users(ctx, city)
    ctx.shared["city"] = city
    ctx.say(f"组织与团干部：组织 {len(created)} 个，团干部 {len(cadres)} 名")


POSITION_PLAN[OrgLevel.PROVINCE] = POSITION_PLAN[OrgLevel.CITY]
POSITION_PLAN[OrgLevel.NATION] = POSITION_PLAN[OrgLevel.CITY]
