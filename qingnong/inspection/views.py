"""Inspection pages: the assessment table of a subtree, each org's scorecard, adjustments, exports."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from qingnong.campaign.rules_base import RuleContext, evaluate
from qingnong.campaign.selectors import campaign_for
from qingnong.core.documents import OfficialDocument, docx_response
from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import ScopedViewMixin, apply_service_error, object_or_404
from qingnong.orgs.models import Org
from qingnong.orgs.selectors import org_roots_for

from . import services
from .forms import AdjustForm
from .selectors import card_header, card_row, scorecard_for, scorecards


class InspectionMixin(ScopedViewMixin):
    model = Org

    def org(self) -> Org:
        pk = self.kwargs.get("pk") or self.request.GET.get("org")
        if pk:
            return object_or_404(self.get_queryset(), pk=pk)  # type: ignore[no-any-return]
        root = org_roots_for(self.request.user).first()
        if root is None:
            raise Http404("没有可访问的组织")
        return root

    def context_for(self, org: Org, *, evidence_limit: int | None = 50) -> RuleContext:
        campaign = campaign_for(org)
        if campaign is None:
            raise Http404("尚未设置年度工作")
        return RuleContext(
            campaign=campaign, root=org, today=timezone.localdate(), evidence_limit=evidence_limit
        )


class AssessmentView(InspectionMixin, View):
    """The annual assessment table of an org's children, ranked; exportable as .xlsx."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = self.org()
        ctx = self.context_for(org)
        cards = scorecards(ctx)
        if request.GET.get("export") == "xlsx":
            return assessment_xlsx(ctx, cards)
        return render(
            request,
            "inspection/assessment.html",
            {
                "title": "督查考核",
                "org": org,
                "campaign": ctx.campaign,
                "cards": cards,
                "ancestors": Org.objects.restrict(request.user).filter(path__in=org.ancestor_paths()),
            },
        )


def assessment_xlsx(ctx: RuleContext, cards: list[Any]) -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("年度考核")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1})
    title = f"{ctx.campaign.name} · {ctx.root.league_name} 考核汇总表（{timezone.localdate():%Y-%m-%d}）"
    sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    header = card_header()
    sheet.write_row(2, 0, header, bold)
    for row_index, card in enumerate(cards, start=3):
        sheet.write_row(row_index, 0, ["" if v is None else v for v in card_row(card)], cell)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, len(header), 11)
    sheet.freeze_panes(3, 2)
    book.close()
    from urllib.parse import quote

    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"考核汇总表-{ctx.root.name}-{ctx.campaign.year}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ScorecardView(InspectionMixin, View):
    """One org's scorecard with the evidence behind each dimension, and the adjustment form."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_card(request, AdjustForm(user=request.user))

    def render_card(self, request: HttpRequest, form: AdjustForm, status: int = 200) -> HttpResponse:
        org = self.org()
        ctx = self.context_for(org, evidence_limit=30)
        card = scorecard_for(ctx, org)
        single = RuleContext(campaign=ctx.campaign, root=org, today=ctx.today, depth=0, evidence_limit=30)
        evidence = [evaluate(rid, single) for rid in ("R1", "R2", "R3", "R4", "R6")]
        from .models import ScoreAdjustment

        return render(
            request,
            "inspection/scorecard.html",
            {
                "title": f"{org.name} 考核评分",
                "org": org,
                "campaign": ctx.campaign,
                "card": card,
                "reports": [r for r in evidence if r.root is not None],
                "can_score": path_in_scope(request.user, Action.SCORE, org.path),
                "form": form,
                "history": ScoreAdjustment.objects.filter(campaign=ctx.campaign, org=org).select_related(
                    "inspector"
                ),
            },
            status=status,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = self.org()
        form = AdjustForm(request.POST, user=request.user)
        if form.is_valid():
            ctx = self.context_for(org)
            dimension = form.cleaned_data["dimension"]
            auto = scorecard_for(ctx, org).dimension(dimension).auto
            try:
                services.score_adjust(
                    actor=request.user,
                    campaign=ctx.campaign,
                    org=org,
                    dimension=dimension,
                    score=form.cleaned_data["score"] or None,
                    reason=form.cleaned_data["reason"],
                    auto_score=auto,
                )
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "评分已调整")
                return HttpResponseRedirect(request.path)
        return self.render_card(request, form, status=422)


class ScorecardReportView(InspectionMixin, View):
    """The per-org inspection report (.docx, 公文 style)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = self.org()
        ctx = self.context_for(org, evidence_limit=20)
        card = scorecard_for(ctx, org)
        doc = OfficialDocument(
            f"{org.league_name}农村共青团微信体系建设督查情况报告", subtitle=ctx.campaign.name
        )
        doc.heading("总体情况")
        total = "暂无" if card.total is None else f"{card.total} 分"
        doc.paragraph(
            f"根据{ctx.campaign.org.league_name}年度工作安排，对{org.league_name}农村共青团微信体系建设情况进行了检查。"
            f"综合得分 {total}（合格线 {ctx.campaign.pass_score} 分）"
            + ("。" if card.complete else "，部分考核项暂无数据。")
        )
        doc.table(
            ["考核项", "权重", "自动得分", "最终得分", "说明"],
            [
                [
                    d.label,
                    d.weight,
                    d.auto if d.auto is not None else "无数据",
                    d.final if d.final is not None else "无数据",
                    (d.adjustment.reason if d.adjusted and d.adjustment else "；".join(d.basis)),
                ]
                for d in card.dimensions
            ],
            caption="考核得分表",
        )
        doc.heading("存在的问题")
        single = RuleContext(campaign=ctx.campaign, root=org, today=ctx.today, depth=0, evidence_limit=20)
        problems = 0
        for rule_id in ("R1", "R2", "R3", "R4", "R6", "R9", "R10"):
            report = evaluate(rule_id, single)
            if report.root is None or report.root.status in ("met", "no_data"):
                continue
            problems += 1
            doc.subheading(
                f"（{problems}）{report.title}：{report.root.value}{report.root.unit}"
                f"（目标 {report.root.target}{report.root.unit}）"
            )
            if report.root.evidence:
                columns = report.evidence_columns
                doc.table(
                    [label for _k, label in columns],
                    [[row.get(k, "") for k, _l in columns] for row in report.root.evidence],
                )
        if not problems:
            doc.paragraph("各项已检查的指标均已达标。")
        doc.heading("整改要求")
        doc.paragraph("请针对上述问题逐项整改，于检查验收结束前将整改情况报送团市委农村青年工作部。")
        doc.signature(ctx.campaign.org.league_name, timezone.localdate())
        return docx_response(doc.to_bytes(), f"督查报告-{org.name}-{ctx.campaign.year}.docx")
