"""Pages of the campaign: the year's schedule and targets, and the counties' submissions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from qingnong.core.forms import ScopedForm
from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths, path_in_scope
from qingnong.core.views import ObjectDetailView, ObjectEditView, ScopedViewMixin, object_or_404
from qingnong.orgs.models import Org
from qingnong.orgs.selectors import org_roots_for

from . import selectors, services
from .choices import SubmissionKind, SubmissionStatus
from .forms import CampaignCreateForm, CampaignForm, ReviewForm, SubmissionForm
from .models import Campaign, Submission


class CampaignScopedMixin(ScopedViewMixin):
    """Campaigns are read by everyone working under them, not only inside the org that set them."""

    model = Campaign

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_visible(self.request.user)


def _current_for_user(user: Any) -> Campaign | None:
    for root in org_roots_for(user):
        campaign = selectors.campaign_for(root)
        if campaign is not None:
            return campaign
    return None


class CampaignCurrentView(CampaignScopedMixin, View):
    """Redirects to the campaign governing the user's orgs today."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = _current_for_user(request.user)
        if campaign is None:
            can_create = bool(grant_paths(request.user, Action.CONFIGURE) or request.user.is_superuser)
            return render(
                request, "campaign/no_campaign.html", {"title": "年度工作", "can_create": can_create}
            )
        return HttpResponseRedirect(campaign.get_absolute_url())


class CampaignDetailView(CampaignScopedMixin, ObjectDetailView):
    template_name = "campaign/campaign_detail.html"

    def get_context(self, obj: Campaign) -> dict[str, Any]:
        fields = [
            (f.verbose_name, getattr(obj, f.name))
            for f in Campaign._meta.concrete_fields
            if f.get_internal_type() == "PositiveSmallIntegerField" or f.name == "recommended_accounts"
        ]
        return {
            "title": obj.name,
            "timeline": selectors.campaign_timeline(obj),
            "thresholds": [(label, value) for label, value in fields if "权重" not in str(label)],
            "weights": [(label, value) for label, value in fields if "权重" in str(label)],
            "can_configure": path_in_scope(self.request.user, Action.CONFIGURE, obj.org.path),
            "others": selectors.campaigns_visible(self.request.user).exclude(pk=obj.pk)[:10],
        }


class CampaignEditView(CampaignScopedMixin, ObjectEditView):
    form_class = CampaignForm
    action = Action.CONFIGURE
    title_edit = "修改年度工作"

    def get_queryset(self) -> QuerySet[Campaign]:
        return Campaign.objects.restrict(self.request.user, Action.CONFIGURE).select_related("org")

    def perform(self, form: CampaignForm, obj: Campaign) -> Campaign:
        return services.campaign_update(actor=self.request.user, campaign=obj, data=form.cleaned_data)


class CampaignCreateView(ObjectEditView):
    model = Org
    form_class = CampaignCreateForm
    action = Action.CONFIGURE
    title_create = "新建年度工作"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial": {"year": timezone.localdate().year, "copy_last": True}}

    def perform(self, form: CampaignCreateForm, obj: None) -> Campaign:
        org = form.cleaned_data["org"]
        last = (
            Campaign.objects.filter(org=org).order_by("-year").first()
            if form.cleaned_data["copy_last"]
            else None
        )
        return services.campaign_create(
            actor=self.request.user, org=org, year=form.cleaned_data["year"], copy_from=last
        )


class SubmissionBoardView(CampaignScopedMixin, ObjectDetailView):
    """Counties × (plan, summary): the city reviews; a county uploads its own."""

    template_name = "campaign/submission_board.html"

    def get_object(self) -> Campaign:
        pk = self.request.GET.get("campaign")
        if pk:
            return object_or_404(self.get_queryset(), pk=pk)  # type: ignore[no-any-return]
        campaign = _current_for_user(self.request.user)
        if campaign is None:
            raise Http404("尚未设置年度工作")
        return campaign

    def get_context(self, obj: Campaign) -> dict[str, Any]:
        user = self.request.user
        rows = selectors.submission_board(user=user, campaign=obj)
        return {
            "title": "材料报送",
            "campaign": obj,
            "rows": rows,
            "can_review": path_in_scope(user, Action.CONFIGURE, obj.org.path),
            "uploadable": {r.org.pk for r in rows if path_in_scope(user, Action.ADD, r.org.path)},
            "kinds": SubmissionKind,
            "statuses": SubmissionStatus,
            "today": timezone.localdate(),
        }


class SubmissionUploadView(ObjectEditView):
    model = Org
    form_class = SubmissionForm
    action = Action.ADD
    title_create = "上传材料"
    success_message = "已报送"

    def get_object_or_none(self) -> None:
        self.county = object_or_404(self.get_queryset(), pk=self.kwargs["org_pk"])
        self.campaign = object_or_404(
            selectors.campaigns_visible(self.request.user), pk=self.kwargs["campaign_pk"]
        )
        return None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {
            **super().form_kwargs(obj),
            "initial": {"kind": self.request.GET.get("kind", SubmissionKind.PLAN)},
        }

    def context(self, form: ScopedForm, obj: Any) -> dict[str, Any]:
        kind = form["kind"].value() or SubmissionKind.PLAN
        label = dict(SubmissionKind.choices).get(kind, "")
        return {**super().context(form, obj), "title": f"{self.county.name} · 上传{label}"}

    def cancel_url(self, obj: Any) -> str:
        return reverse("campaign:submission_board") + f"?campaign={self.campaign.pk}"

    def success_url(self, obj: Submission) -> str:
        return self.cancel_url(obj)

    def perform(self, form: SubmissionForm, obj: None) -> Submission:
        return services.submission_upload(
            actor=self.request.user,
            campaign=self.campaign,
            org=self.county,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )


class SubmissionDetailView(ObjectDetailView):
    model = Submission
    template_name = "campaign/submission_detail.html"

    def base_queryset(self) -> QuerySet[Submission]:
        return Submission.objects.select_related("org", "campaign__org", "submitted_by", "reviewer")

    def get_context(self, obj: Submission) -> dict[str, Any]:
        can_review = path_in_scope(self.request.user, Action.CONFIGURE, obj.campaign.org.path)
        return {
            "title": str(obj),
            "can_review": can_review and obj.status == SubmissionStatus.SUBMITTED,
            "review_form": ReviewForm(user=self.request.user),
            "history": Submission.objects.filter(campaign=obj.campaign, org=obj.org, kind=obj.kind).order_by(
                "-submitted_at"
            ),
        }


class SubmissionDownloadView(ObjectDetailView):
    model = Submission

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        submission = self.get_object()
        return FileResponse(submission.file.open("rb"), as_attachment=True, filename=submission.original_name)


class SubmissionReviewView(ObjectEditView):
    model = Submission
    form_class = ReviewForm
    action = Action.VIEW
    title_edit = "审核材料"
    success_message = "已审核"

    def perform(self, form: ReviewForm, obj: Submission) -> Submission:
        return services.submission_review(
            actor=self.request.user,
            submission=obj,
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["comment"],
        )


class SummaryDraftView(ScopedViewMixin, View):
    """Download the draft topic summary (.docx) of a county (or any org in scope) for its campaign."""

    model = Org

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from qingnong.core.documents import docx_response

        from .drafts import summary_draft

        org = object_or_404(self.get_queryset(), pk=self.kwargs["org_pk"])
        campaign = selectors.campaign_for(org)
        if campaign is None:
            raise Http404("尚未设置年度工作")
        content = summary_draft(campaign=campaign, org=org, today=timezone.localdate())
        return docx_response(content, f"{org.name}专题总结（草稿）-{campaign.year}.docx")
