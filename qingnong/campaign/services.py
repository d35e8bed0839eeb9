"""Writes of the campaign app: creating and editing a year's campaign, submissions and their review."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.orgs.choices import LEVEL_RANK, OrgLevel
from qingnong.orgs.models import Org

from .choices import SUBMISSION_RULE, SubmissionKind, SubmissionStatus
from .models import Campaign, Submission

# The notice's schedule (month, day), applied to any year.
NOTICE_DATES: dict[str, tuple[int, int]] = {
    "survey_start": (8, 1),
    "survey_end": (8, 31),
    "build_start": (9, 1),
    "build_end": (10, 31),
    "inspection_start": (11, 1),
    "inspection_end": (11, 30),
    "complete_by": (12, 31),
    "plan_due": (8, 20),
    "qingnong_groups_due": (9, 30),
    "coverage_due": (10, 31),
    "exclusive_groups_due": (10, 31),
    "ledger_due": (10, 31),
    "accounts_due": (10, 31),
    "summary_due": (11, 15),
    "reach_check_on": (11, 30),
}
DATE_FIELDS = tuple(NOTICE_DATES)
PHASE_ORDER = (
    "survey_start",
    "survey_end",
    "build_start",
    "build_end",
    "inspection_start",
    "inspection_end",
    "complete_by",
)
EDITABLE_FIELDS = tuple(
    f.name
    for f in Campaign._meta.concrete_fields
    if f.name not in {"id", "org", "year", "created_at", "updated_at"}
)


def notice_dates(year: int) -> dict[str, datetime.date]:
    return {field: datetime.date(year, month, day) for field, (month, day) in NOTICE_DATES.items()}


def _check_campaign(campaign: Campaign) -> None:
    """Dates in order and inside the campaign; rubric weights adding up to 100; field ranges."""
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean(exclude=["org"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            label = Campaign.label(field) if field != "__all__" else ""
            errors.setdefault(field, []).extend(f"{label}：{m}" if label else m for m in messages)
    if errors:
        raise ValidationError(errors)
    for earlier, later in itertools.pairwise(PHASE_ORDER):
        if getattr(campaign, earlier) > getattr(campaign, later):
            first = Campaign.label(earlier)
            second = Campaign.label(later)
            errors.setdefault(later, []).append(f"日期顺序有误：“{second}”不能早于“{first}”")
    for field in DATE_FIELDS:
        if field in PHASE_ORDER:
            continue
        value = getattr(campaign, field)
        if not campaign.survey_start <= value <= campaign.complete_by:
            label = Campaign.label(field)
            errors.setdefault(field, []).append(f"“{label}”须在联系摸底开始与基本完成之间")
    total = sum(campaign.weights.values())
    if total != 100:
        errors.setdefault("weight_groups", []).append(f"四项考核权重之和须为 100，现为 {total}")
    if errors:
        raise RuleError({k: "；".join(v) for k, v in errors.items()}, code="invalid_campaign")


def _require_campaign_org(actor: Any, org: Org) -> None:
    if LEVEL_RANK[org.level] > LEVEL_RANK[OrgLevel.CITY]:
        raise RuleError({"org": "年度工作由市级及以上团组织设置"}, code="invalid_campaign")
    require_org_scope(actor, Action.CONFIGURE, org)


@transaction.atomic
def campaign_create(*, actor: Any, org: Org, year: int, copy_from: Campaign | None = None) -> Campaign:
    """Start ``year``'s campaign: a copy of ``copy_from`` (dates moved to the new year) or the notice's
    defaults."""
    _require_campaign_org(actor, org)
    if Campaign.objects.filter(org=org, year=year).exists():
        raise RuleError({"year": f"{org.league_name}已有 {year} 年度工作"}, code="duplicate_campaign")
    if copy_from is not None:
        data = {f: getattr(copy_from, f) for f in EDITABLE_FIELDS}
        shift = year - copy_from.year
        for field in DATE_FIELDS:
            old: datetime.date = data[field]
            data[field] = _same_day_in(old, old.year + shift)
        data["name"] = copy_from.name.replace(str(copy_from.year), str(year))
    else:
        data = {**notice_dates(year), "name": f"{year} 年农村共青团微信体系建设"}
    campaign = Campaign(org=org, year=year, **data)
    _check_campaign(campaign)
    campaign.save()
    audit_record(actor=actor, action="campaign.campaign.create", obj=campaign, after=snapshot(campaign))
    return campaign


def _same_day_in(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


@transaction.atomic
def campaign_update(*, actor: Any, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    _require_campaign_org(actor, campaign.org)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = snapshot(campaign)
    changed = apply_fields(campaign, data, EDITABLE_FIELDS)
    _check_campaign(campaign)
    return save_audited(
        actor=actor, obj=campaign, action="campaign.campaign.update", before=before, update_fields=changed
    )


# --- submissions ----------------------------------------------------------------------------

ALLOWED_TYPES = {
    ".docx": "Word 文档",
    ".pdf": "PDF",
    ".xlsx": "Excel 表格",
}


def _sniff_type(upload: UploadedFile) -> str | None:
    """The real type of an upload from its first bytes: a zip package (docx/xlsx) or a PDF."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "word/document.xml" in names:
            return ".docx"
        if "xl/workbook.xml" in names:
            return ".xlsx"
    return None


def _check_upload(upload: UploadedFile) -> str:
    name = upload.name or ""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix not in ALLOWED_TYPES:
        raise RuleError({"file": f"文件类型不支持：{name}；请上传 docx、pdf 或 xlsx"}, code="bad_type")
    limit = settings.SUBMISSION_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise RuleError({"file": f"文件过大：上限 {limit // (1024 * 1024)} MB"}, code="too_large")
    real = _sniff_type(upload)
    if real != suffix:
        raise RuleError(
            {"file": f"文件内容与扩展名不符：“{name}”不是有效的{ALLOWED_TYPES[suffix]}"}, code="bad_type"
        )
    return suffix


@transaction.atomic
def submission_upload(
    *, actor: Any, campaign: Campaign, org: Org, kind: str, upload: UploadedFile
) -> Submission:
    """A county submits (or re-submits after a return) its plan or summary."""
    require_org_scope(actor, Action.ADD, org)
    if org.level != OrgLevel.COUNTY:
        raise RuleError({"org": "工作方案和专题总结由县级团委报送"}, code="not_county")
    if not org.path.startswith(campaign.org.path):
        raise RuleError({"org": "该单位不在本年度工作范围内"}, code="out_of_campaign")
    if kind not in SubmissionKind.values:
        raise RuleError({"kind": "材料类别有误"}, code="invalid_choice")
    _check_upload(upload)
    latest = submission_latest(campaign=campaign, org=org, kind=kind)
    if latest is not None and latest.status == SubmissionStatus.ACCEPTED:
        raise RuleError(
            {"file": f"该材料已审核通过（{SUBMISSION_RULE[kind]}），无需再报"}, code="already_accepted"
        )
    submission = Submission(
        campaign=campaign,
        org=org,
        kind=kind,
        original_name=(upload.name or "")[:200],
        size=upload.size or 0,
        submitted_by=actor if getattr(actor, "pk", None) else None,
    )
    submission.file.save(upload.name or "upload", upload, save=False)
    submission.save()
    audit_record(actor=actor, action="campaign.submission.upload", obj=submission, after=snapshot(submission))
    return submission


def submission_latest(*, campaign: Campaign, org: Org, kind: str) -> Submission | None:
    return (
        Submission.objects.filter(campaign=campaign, org=org, kind=kind)
        .order_by("-submitted_at", "-pk")
        .first()
    )


@transaction.atomic
def submission_review(*, actor: Any, submission: Submission, accept: bool, comment: str = "") -> Submission:
    """The city accepts a submission, or returns it with a comment the county must read."""
    require_org_scope(actor, Action.CONFIGURE, submission.campaign.org)
    comment = comment.strip()
    if not accept and not comment:
        raise RuleError({"comment": "退回时须填写审核意见"}, code="comment_required")
    if submission.status != SubmissionStatus.SUBMITTED:
        raise RuleError("该材料已审核，不能重复审核", code="already_reviewed")
    before = snapshot(submission)
    submission.status = SubmissionStatus.ACCEPTED if accept else SubmissionStatus.RETURNED
    submission.comment = comment
    submission.reviewer = actor if getattr(actor, "pk", None) else None
    submission.reviewed_at = timezone.now()
    return save_audited(
        actor=actor,
        obj=submission,
        action="campaign.submission.accept" if accept else "campaign.submission.return",
        before=before,
        update_fields=["status", "comment", "reviewer", "reviewed_at"],
    )
