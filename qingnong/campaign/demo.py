"""Demo step: this year's campaign of 团安庆市委 (the notice's dates), with counties' submissions in every
state (accepted, returned with a comment, waiting, missing)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.choices import OrgLevel
from qingnong.orgs.models import Org

from . import services
from .choices import SubmissionKind
from .models import Campaign


def _docx(title: str, body: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def seed_demo(ctx: DataContext) -> None:
    city = ctx.shared.get("city") or Org.objects.filter(division_code="340800").first()
    if city is None:
        return
    if Campaign.objects.filter(org=city, year=ctx.today.year).exists():
        ctx.say("年度工作：已存在，跳过")
        return
    with transaction.atomic():
        campaign = services.campaign_create(actor=SYSTEM, org=city, year=ctx.today.year)
        counties = list(city.children_orgs().filter(level=OrgLevel.COUNTY).order_by("path"))
        for index, county in enumerate(counties):
            if index == len(counties) - 1:
                continue  # one county has submitted nothing: it shows as late
            plan = services.submission_upload(
                actor=SYSTEM,
                campaign=campaign,
                org=county,
                kind=SubmissionKind.PLAN,
                upload=SimpleUploadedFile(
                    f"{county.name}农村共青团微信体系建设工作方案.docx",
                    _docx(f"{county.league_name}关于推进农村共青团微信体系建设的工作方案", "一、工作目标……"),
                ),
            )
            if index % 4 == 1:
                services.submission_review(
                    actor=SYSTEM, submission=plan, accept=False, comment="请补充各乡镇建群进度安排和责任人。"
                )
            elif index % 4 != 3:
                services.submission_review(actor=SYSTEM, submission=plan, accept=True)
            if index < 3:
                services.submission_upload(
                    actor=SYSTEM,
                    campaign=campaign,
                    org=county,
                    kind=SubmissionKind.SUMMARY,
                    upload=SimpleUploadedFile(
                        f"{county.name}微信体系建设专题总结.docx",
                        _docx(f"{county.league_name}农村共青团微信体系建设专题总结", "今年以来……"),
                    ),
                )
    ctx.say(f"年度工作：{campaign.name}，县级报送材料已生成")
