"""Back-fill the daily metric snapshots (for the demo, or after installing on a running ledger)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from qingnong.campaign.management.commands.rules_report import resolve_org
from qingnong.core.system import SYSTEM
from qingnong.dashboard.services import backfill_days, snapshot_backfill


class Command(BaseCommand):
    help = (
        "补算最近若干天的指标快照（趋势图用）：过去的日期按当天已有的记录（建群日期、入群日期、登记时间、"
        "报送时间等）还原后按规则计算；今天按现状计算。已有的快照会被替换。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="补算的天数（含今天，默认 30）")
        parser.add_argument("--every", type=int, default=1, help="每隔几天补算一次（默认 1：每天）")
        parser.add_argument("--under", help="只补算这个组织及其下级：区划代码、编号或路径")

    def handle(self, *args, **opts):
        if opts["days"] < 1 or opts["days"] > 400:
            raise CommandError("--days 须在 1 到 400 之间")
        if opts["every"] < 1:
            raise CommandError("--every 须为正整数")
        under = resolve_org(opts["under"]) if opts["under"] else None
        days = backfill_days(days=opts["days"], every=opts["every"])
        started = time.perf_counter()
        self.stdout.write(f"补算指标快照：{days[0]} 至 {days[-1]}，共 {len(days)} 天")
        results = snapshot_backfill(actor=SYSTEM, days=days, under=under, stdout=self.stdout)
        rows = sum(r.orgs for r in results)
        self.stdout.write(f"完成：{rows} 行，用时 {time.perf_counter() - started:.1f} 秒")
