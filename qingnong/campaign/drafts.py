"""The one-click draft of a county's topic summary (专题总结, R10): a 公文-style .docx with the county's
figures and per-township tables filled in from the rules, for the county to finish and submit."""

from __future__ import annotations

import datetime

from qingnong.core.documents import OfficialDocument
from qingnong.orgs.models import Org

from .models import Campaign
from .rules_base import MET, NO_DATA, RuleContext, evaluate

FIGURE_RULES = ("R1", "R2", "R3", "R4", "R6")


def _figure(report_value: object, unit: str) -> str:
    return "暂无数据" if report_value is None else f"{report_value}{unit}"


def summary_draft(*, campaign: Campaign, org: Org, today: datetime.date) -> bytes:
    from qingnong.wxgroups.choices import GroupType
    from qingnong.wxgroups.selectors import group_counts_by_org

    ctx = RuleContext(campaign=campaign, root=org, today=today, depth=1, evidence_limit=15)
    reports = {rid: evaluate(rid, ctx) for rid in FIGURE_RULES}
    counts = {
        label: sum(group_counts_by_org(root_path=org.path, group_type=gtype).values())
        for gtype, label in GroupType.choices
    }
    doc = OfficialDocument(f"{org.league_name}关于农村共青团微信体系建设工作的专题总结")
    doc.paragraph(
        f"按照{campaign.org.league_name}《关于全面推进农村共青团微信体系建设的通知》要求，"
        f"{org.league_name}结合年度工作，扎实推进“三群一号”建设。现将有关情况总结如下。"
    )
    doc.heading("基本情况")
    r1, r2, r3, r4, r6 = (reports[r].root for r in FIGURE_RULES)
    tuanqing = counts.get(GroupType.TUANQING.label, 0)
    exclusive = counts.get(GroupType.EXCLUSIVE.label, 0)
    qingnong = counts.get(GroupType.QINGNONG.label, 0)
    sentences = [
        f"截至{today.month}月{today.day}日，全县（市、区）共建立团青微信群 {tuanqing} 个、"
        f"青年专属微信群 {exclusive} 个、青农微信群 {qingnong} 个",
        f"村和直属团组织团青微信群建群率 {_figure(r2.value if r2 else None, '%')}"
        f"（目标 {campaign.tuanqing_coverage_pct}%）",
        f"青农微信群向下覆盖率 {_figure(r3.value if r3 else None, '%')}",
        f"基层团干部联系青年达到 {campaign.reach_per_cadre} 名的比例"
        f" {_figure(r1.value if r1 else None, '%')}",
        f"台账信息完整率 {_figure(r6.value if r6 else None, '%')}",
        f"本级青年专属微信群 {_figure(r4.value if r4 else None, ' 个')}",
    ]
    doc.paragraph("；".join(sentences) + "。")
    rows = []
    for child in reports["R2"].results:
        cells = [child.org_name]
        for rid in ("R2", "R3", "R1", "R6"):
            res = reports[rid].for_org(child.org_id)
            cells.append(_figure(res.value, res.unit) if res else "—")
        rows.append(cells)
    if rows:
        doc.table(
            ["乡镇", "团青群建群率", "青农群覆盖率", "团干部联系青年达标率", "台账完整率"],
            rows,
            caption="各乡镇建设情况",
        )
    doc.heading("主要做法")
    doc.paragraph("（请结合本地实际，填写在组织发动、建群方式、内容供给、线上线下活动等方面的做法和成效。）")
    doc.heading("存在的问题")
    problems = [r for r in reports.values() if r.root is not None and r.root.status not in (MET, NO_DATA)]
    if problems:
        for report in problems:
            assert report.root is not None
            doc.paragraph(
                f"{report.title}：目前为 {_figure(report.root.value, report.root.unit)}，"
                f"目标为 {report.root.target}{report.root.unit}。"
            )
    else:
        doc.paragraph("各项指标均已达到要求。（请补充覆盖面、活跃度、吸引力等方面的不足。）")
    doc.heading("下一步打算")
    doc.paragraph("（请填写下一步在骨干培训、方法指导、内容供给、激励机制等方面的打算。）")
    doc.signature(org.league_name, today)
    return doc.to_bytes()
