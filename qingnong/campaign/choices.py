"""Choices of the campaign app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionKind(models.TextChoices):
    PLAN = "plan", _("通知或工作方案（R9）")
    SUMMARY = "summary", _("专题总结（R10）")


class SubmissionStatus(models.TextChoices):
    # "未报送" is the absence of a submission, not a stored state.
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


SUBMISSION_RULE: dict[str, str] = {SubmissionKind.PLAN: "R9", SubmissionKind.SUMMARY: "R10"}
