"""Evaluate the rules R1–R12 for a subtree and print them (a table, or JSON)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.utils import timezone

from qingnong.campaign.models import Campaign
from qingnong.campaign.rules_base import RULES, RuleContext, evaluate, rule_ids
from qingnong.campaign.selectors import campaign_for
from qingnong.orgs.models import Org
from qingnong.orgs.selectors import org_resolve_path


def resolve_org(text: str) -> Org:
    org = None
    if text.isdigit() and len(text) >= 6:
        org = Org.objects.filter(division_code=text).first()
    if org is None and text.isdigit():
        org = Org.objects.filter(pk=int(text)).first()
    if org is None:
        org = org_resolve_path(text)
    if org is None:
        raise CommandError(f"找不到组织：{text}")
    return org


class Command(BaseCommand):
    help = "按规则 R1–R12 检查一个组织及其下级（默认：年度工作的发起组织）"

    def add_arguments(self, parser):
        parser.add_argument("--under", help="组织：区划代码、编号或路径（如 怀宁县/石牌镇）")
        parser.add_argument("--campaign", type=int, help="年度（默认：当年或最近一年）")
        parser.add_argument("--rules", help="只检查这些规则，如 R1,R2")
        parser.add_argument("--depth", type=int, default=1, help="给出结果的下级层数（默认 1）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--all-evidence", action="store_true", help="不截断证据行")

    def handle(self, *args, **opts):
        today = timezone.localdate()
        root = resolve_org(opts["under"]) if opts["under"] else None
        if opts["campaign"]:
            campaign = (
                Campaign.objects.filter(year=opts["campaign"])
                .filter(
                    org__path__in=[root.path[:i] for i in range(4, len(root.path) + 1, 4)] if root else []
                )
                .first()
                if root
                else Campaign.objects.filter(year=opts["campaign"]).first()
            )
        else:
            campaign = campaign_for(root, on=today) if root else Campaign.objects.order_by("-year").first()
        if campaign is None:
            raise CommandError("没有适用的年度工作，请先设置")
        root = root or campaign.org
        wanted = [r.strip().upper() for r in opts["rules"].split(",")] if opts["rules"] else rule_ids()
        unknown = [r for r in wanted if r not in RULES]
        if unknown:
            raise CommandError(f"未知规则：{', '.join(unknown)}；可用：{', '.join(rule_ids())}")
        ctx = RuleContext(
            campaign=campaign,
            root=root,
            today=today,
            depth=opts["depth"],
            evidence_limit=None if opts["all_evidence"] else 50,
        )
        reports = []
        for rule_id in wanted:
            reset_queries()
            started = time.perf_counter()
            report = evaluate(rule_id, ctx)
            reports.append((report, time.perf_counter() - started, len(connection.queries)))
        if opts["json"]:
            payload = {
                "campaign": campaign.name,
                "root": root.name,
                "today": today.isoformat(),
                "rules": [report.as_dict() for report, _s, _q in reports],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{campaign.name} · {root.league_name} · {today}")
        for report, seconds, _queries in reports:
            head = report.root
            figure = (
                f"{head.value}{head.unit} / {head.target}{head.unit} {head.status_label}"
                if head
                else "不适用"
            )
            due = report.due.isoformat() if report.due else "持续"
            self.stdout.write(f"\n{report.rule} {report.title}（{due}）：{figure}  [{seconds * 1000:.0f} ms]")
            for row in report.results:
                figure = f"{row.value}{row.unit} / {row.target}{row.unit}"
                self.stdout.write(f"    {row.org_name:<12} {figure} {row.status_label}")
