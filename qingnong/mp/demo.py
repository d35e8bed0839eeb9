"""Demo step: one official account per county and the city, with DEMO credentials (not real WeChat
accounts: the callback works with them, the API cannot), admin teams, automatic replies, a menu,
recruitment QR codes for the orgs and cadres, followers attributed to them, posts in every state of the
workflow, and the external recommended account 安徽省青年创业者协会 with cadres' confirmations (R8).

Idempotent: when demo accounts exist, nothing is loaded. Runs after the orgs and ledger steps.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from qingnong.core.datagen import DataContext
from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM
from qingnong.orgs.choices import OrgLevel, OrgStatus
from qingnong.orgs.models import Cadre, Org, User

from . import services
from .choices import AdminKind, FollowMethod, PostCategory, PostStatus, PublishChannel, QrKind
from .models import CadreFollow, OfficialAccount, Post, PostStat, QrCode

EDITOR_USERNAME = "bianji"
EXTERNAL_NAME = "安徽省青年创业者协会"
COUNTY_NAMES = {"怀宁": "青春怀宁", "桐城": "桐城青年", "潜山": "潜山青年之声", "岳西": "岳西共青团"}
TITLES = {
    PostCategory.POLICY: ["一图读懂农村青年创业贴息贷款", "返乡创业补贴申领指南", "新型职业农民培训政策解读"],
    PostCategory.LEAGUE_NEWS: [
        "团市委部署农村共青团微信体系建设",
        "“三群一号”建设推进会召开",
        "全市团干部培训班开班",
    ],
    PostCategory.SERVICES: ["青年就业见习岗位发布", "农技专家在线答疑", "青春志愿服务项目招募"],
    PostCategory.EXEMPLARY_WORK: ["石牌镇：村村有团青群", "一个村团支部的微信群运营经验", "团青群里办实事"],
    PostCategory.ROLE_MODELS: ["返乡种茶的大学生村官", "90后养殖能手的致富路", "领头雁：带领乡亲闯市场"],
    PostCategory.INSPIRATION: ["在田野上奔跑的青春", "致在外打拼的安庆青年", "把论文写在大地上"],
}


def demo_credentials(org: Org) -> dict[str, str]:
    """Deterministic, well-formed and obviously fake credentials (the AppID spells d0d0 for demo)."""
    digest = hashlib.sha256(f"qingnong-demo-{org.division_code}".encode()).hexdigest()
    return {
        "app_id": "wxd0d0" + digest[:12],
        "original_id": "gh_d0d0" + digest[12:20],
        "app_secret": digest[20:52],
        "token": "demoToken" + (org.division_code or str(org.pk)),
        "encoding_aes_key": ("Demo" + digest + "x" * 43)[:43],
    }


def _account_name(org: Org) -> str:
    if org.level == OrgLevel.CITY:
        return f"青农{org.short_name}"
    return COUNTY_NAMES.get(org.short_name, f"{org.short_name}共青团")


def _rules(account: OfficialAccount) -> None:
    r = services.rule_create
    r(
        actor=SYSTEM,
        account=account,
        kind="subscribe",
        name="关注欢迎语",
        reply_type="text",
        reply_text=f"欢迎关注{account.name}！回复“入群+村名”（如“入群 新河村”）获取本地团青群二维码；"
        "回复“政策”查看最新政策。",
    )
    r(
        actor=SYSTEM,
        account=account,
        name="政策",
        keywords="政策\n补贴\n贷款",
        reply_type="text",
        priority=10,
        reply_text="最新政策解读请点菜单“青年服务 → 政策解读”，也可留言，我们会尽快回复。",
    )
    r(
        actor=SYSTEM,
        account=account,
        name="活动报名",
        match_type="regex",
        keywords=r"^(报名|活动)\s*\d{0,3}$",
        reply_type="news",
        priority=5,
        articles=[
            {
                "title": "近期青年活动报名",
                "url": "https://mp.weixin.qq.com/s/demo-activities",
                "description": "农技培训、志愿服务、联谊活动",
            }
        ],
    )
    r(
        actor=SYSTEM,
        account=account,
        kind="click",
        name="入群指引",
        event_key="JOIN_HELP",
        reply_type="text",
        reply_text="请回复“入群+乡镇或村名”，如“入群 石牌镇”，获取本地团青群的入群二维码。",
    )
    r(
        actor=SYSTEM,
        account=account,
        kind="default",
        name="默认回复",
        reply_type="text",
        reply_text="消息已收到。回复“入群 村名”获取团青群二维码，回复“政策”查看政策解读。",
    )


def _menu(account: OfficialAccount) -> None:
    services.menu_save(
        actor=SYSTEM,
        account=account,
        buttons=[
            {"type": "click", "name": "加入团青群", "key": "JOIN_HELP"},
            {
                "name": "青年服务",
                "sub_button": [
                    {"type": "view", "name": "政策解读", "url": "https://mp.weixin.qq.com/s/demo-policy"},
                    {"type": "view", "name": "就业见习", "url": "https://mp.weixin.qq.com/s/demo-jobs"},
                ],
            },
            {"type": "view", "name": "联系我们", "url": "https://mp.weixin.qq.com/s/demo-contact"},
        ],
    )


def _codes(account: OfficialAccount, orgs: list[Org], cadres: list[Cadre]) -> list[QrCode]:
    """Recruitment codes as if made by the API (demo URLs; a real account gets them from qrcode/create)."""
    rows = [
        QrCode(
            account=account,
            scene=f"o{o.pk}",
            kind=QrKind.PERMANENT,
            org=o,
            ticket="DEMO",
            url=f"http://weixin.qq.com/q/demo-{account.pk}-o{o.pk}",
        )
        for o in orgs
    ] + [
        QrCode(
            account=account,
            scene=f"c{c.pk}",
            kind=QrKind.PERMANENT,
            cadre=c,
            ticket="DEMO",
            url=f"http://weixin.qq.com/q/demo-{account.pk}-c{c.pk}",
        )
        for c in cadres
    ]
    return QrCode.objects.bulk_create(rows, batch_size=1000)


def _followers(ctx: DataContext, account: OfficialAccount, codes: list[QrCode], count: int) -> int:
    now = timezone.now()
    n = 0
    for i in range(count):
        code = ctx.rng.choice(codes) if codes and ctx.rng.random() < 0.85 else None
        openid = "oDEMO" + hashlib.md5(f"{account.pk}-{i}".encode()).hexdigest()[:23]
        at = now - datetime.timedelta(days=ctx.rng.randint(0, 80), minutes=ctx.rng.randint(0, 1440))
        services.follower_event(
            account_id=account.pk, event="subscribe", openid=openid, scene=code.scene if code else "", at=at
        )
        if ctx.rng.random() < 0.08:
            services.follower_event(
                account_id=account.pk, event="unsubscribe", openid=openid, at=at + datetime.timedelta(days=1)
            )
        n += 1
    return n


def _posts(ctx: DataContext, account: OfficialAccount, editor: Any, weeks: int, per_week: int) -> int:
    """Published posts over the last ``weeks`` weeks (all six categories), then one in each other state."""
    made = 0
    categories = list(PostCategory.values)
    now = timezone.now()
    for week in range(weeks):
        for k in range(per_week):
            category = categories[(week * per_week + k) % len(categories)]
            title = ctx.rng.choice(TITLES[PostCategory(category)])
            post = services.post_create(
                actor=editor,
                account=account,
                title=title,
                category=category,
                author_name=str(getattr(editor, "display_name", ""))[:16],
                digest=title,
                content=f"{title}。\n\n（演示内容）",
            )
            post = services.post_submit(actor=editor, post=post)
            post = services.post_approve(actor=editor, post=post, comment="同意发布")
            when = now - datetime.timedelta(
                days=7 * week + ctx.rng.randint(0, 6), hours=ctx.rng.randint(0, 8)
            )
            services.post_record_external(
                actor=editor, post=post, url=f"https://mp.weixin.qq.com/s/demo-{post.pk}", published_at=when
            )
            reads = ctx.rng.randint(80, 2500)
            PostStat.objects.create(
                post=post,
                ref_date=timezone.localtime(when).date(),
                read_user=int(reads * 0.8),
                read_count=reads,
                share_user=reads // 25,
                share_count=reads // 20,
            )
            Post.objects.filter(pk=post.pk).update(
                read_count=reads, share_count=reads // 20, stats_synced_at=now
            )
            made += 1
    draft = services.post_create(
        actor=editor,
        account=account,
        title="（草稿）秋季农技培训报名开始",
        category=PostCategory.SERVICES,
        content="培训时间、地点和报名方式……",
    )
    review = services.post_create(
        actor=editor,
        account=account,
        title="返乡青年座谈会侧记",
        category=PostCategory.LEAGUE_NEWS,
        content="座谈会上，返乡青年畅谈……",
    )
    services.post_submit(actor=editor, post=review)
    approved = services.post_create(
        actor=editor,
        account=account,
        title="致全市农村团员青年的一封信",
        category=PostCategory.INSPIRATION,
        content="亲爱的团员青年们……",
        scheduled_at=now + datetime.timedelta(days=1),
    )
    approved = services.post_submit(actor=editor, post=approved)
    services.post_approve(actor=editor, post=approved)
    returned = services.post_create(
        actor=editor,
        account=account,
        title="村团支部换届工作问答",
        category=PostCategory.POLICY,
        content="问：……",
    )
    returned = services.post_submit(actor=editor, post=returned)
    services.post_return(actor=editor, post=returned, comment="请补充换届时间表")
    if account.org.level == OrgLevel.CITY:
        # "发布中" only exists between freepublish/submit and WeChat's verdict: shown here as a demo row.
        publishing = services.post_create(
            actor=editor,
            account=account,
            title="“三群一号”建设月报（十月）",
            category=PostCategory.LEAGUE_NEWS,
            content="十月份……",
        )
        publishing = services.post_approve(
            actor=editor, post=services.post_submit(actor=editor, post=publishing)
        )
        Post.objects.filter(pk=publishing.pk).update(
            status=PostStatus.PUBLISHING, channel=PublishChannel.API, publish_id="DEMO"
        )
    assert draft.status == PostStatus.DRAFT
    return made + 4 + (1 if account.org.level == OrgLevel.CITY else 0)


def _editor(city: Org) -> Any:
    from qingnong.orgs.demo import DEMO_PASSWORD
    from qingnong.orgs.services import grant_create, user_create

    user = User.objects.filter(username=EDITOR_USERNAME).first()
    if user is not None:
        return user
    county = Org.objects.filter(division_code="340822").first() or city
    with transaction.atomic():
        user = user_create(
            actor=SYSTEM,
            username=EDITOR_USERNAME,
            password=DEMO_PASSWORD,
            home_org=county,
            display_name=f"{county.league_name}编辑",
        )
        grant_create(actor=SYSTEM, user=user, org=county, role=Role.EDITOR)
    return user


def seed_demo(ctx: DataContext) -> None:
    from qingnong.orgs.demo import CITY_CODE

    city = ctx.shared.get("city") or Org.objects.filter(division_code=CITY_CODE).first()
    if city is None:
        return
    if OfficialAccount.objects.filter(is_demo=True).exists():
        ctx.say("公众号：演示数据已存在，跳过")
        return
    started = time.perf_counter()
    editor = _editor(city)
    city_admin = User.objects.filter(username="anqing").first() or SYSTEM
    counties = list(Org.objects.filter(city.subtree_q(), level=OrgLevel.COUNTY, status=OrgStatus.ACTIVE))
    totals = {"accounts": 0, "codes": 0, "followers": 0, "posts": 0}
    with transaction.atomic():
        for org in [city, *counties]:
            creds = demo_credentials(org)
            account = services.account_create(
                actor=SYSTEM,
                org=org,
                name=_account_name(org),
                kind="service" if org == city else "subscription",
                message_mode="safe",
                is_demo=True,
                posts_per_week=3 if org == city else 2,
                **creds,
            )
            cadres = list(Cadre.objects.filter(org=org, is_active=True).order_by("pk")[:3])
            skip_second = org.short_name == "宿松"  # one county short of a two-person team (R7 shows it)
            for i, cadre in enumerate(cadres[: 1 if skip_second else 2]):
                services.admin_add(
                    actor=SYSTEM,
                    account=account,
                    cadre=cadre,
                    kind=AdminKind.FULL_TIME if i == 0 else AdminKind.PART_TIME,
                )
            _rules(account)
            _menu(account)
            sub_orgs = list(
                Org.objects.filter(org.subtree_q(), status=OrgStatus.ACTIVE)
                .exclude(pk=org.pk)
                .filter(level__in=[OrgLevel.COUNTY, OrgLevel.TOWNSHIP, OrgLevel.GRASSROOTS])
            )
            if org != city:
                sub_orgs = [o for o in sub_orgs if o.level != OrgLevel.GRASSROOTS or ctx.rng.random() < 0.5]
            recruiters = list(Cadre.objects.filter(org__in=sub_orgs[:60], is_active=True)[:40])
            codes = _codes(account, [org, *sub_orgs], recruiters)
            totals["codes"] += len(codes)
            totals["followers"] += _followers(
                ctx, account, codes, 120 if org == city else ctx.rng.randint(40, 90)
            )
            # The city and 怀宁 keep the rhythm (R7 passes); the others vary.
            steady = org == city or org.short_name == "怀宁"
            weeks = 13 if steady else ctx.rng.randint(3, 9)
            per_week = account.posts_per_week if steady else ctx.rng.choice([1, 2, 2, 3])
            author = editor if org.path.startswith(editor.home_org.path) else city_admin
            totals["posts"] += _posts(ctx, account, author, weeks, per_week)
            totals["accounts"] += 1
        external = services.account_create(
            actor=SYSTEM,
            org=city,
            name=EXTERNAL_NAME,
            is_external=True,
            recommended=True,
            message_mode="plain",
            is_demo=True,
        )
        cadre_ids = list(
            Cadre.objects.filter(city.subtree_q("org__path"), is_active=True).values_list("pk", flat=True)
        )
        confirmed = [pk for pk in cadre_ids if ctx.rng.random() < 0.45]
        CadreFollow.objects.bulk_create(
            [
                CadreFollow(
                    cadre_id=pk,
                    account=external,
                    method=FollowMethod.CONFIRMED,
                    confirmed_at=timezone.now() - datetime.timedelta(days=ctx.rng.randint(0, 60)),
                )
                for pk in confirmed
            ],
            batch_size=2000,
        )
    ctx.say(
        f"公众号：{totals['accounts']} 个（演示凭据），参数二维码 {totals['codes']} 个，"
        f"关注者 {totals['followers']} 名，"
        f"推文 {totals['posts']} 篇；推荐关注“{EXTERNAL_NAME}”已确认的团干部 {len(confirmed)} 名"
        f"（{time.perf_counter() - started:.1f} 秒）；编辑账号 {EDITOR_USERNAME}"
    )
