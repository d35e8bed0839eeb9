"""Pages of the parametric QR codes: list, generation job, posters."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import Column, ObjectDetailView, ObjectEditView, ObjectListView, object_or_404

from .. import selectors, services
from ..choices import JobStatus
from ..forms import QrGenerateForm
from ..models import MpJob, OfficialAccount, QrCode
from ..posters import poster_url


class QrCodeListView(ObjectListView):
    model = OfficialAccount
    title = "参数二维码"
    export_name = "参数二维码"
    template_name = "mp/qrcode_list.html"

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[QrCode]:
        self.account = object_or_404(self.get_queryset().select_related("org"), pk=self.kwargs["pk"])
        self.title = f"{self.account.name} · 参数二维码"
        self.recruits = selectors.recruits_by_scene(self.account)
        return selectors.qrcode_list(account=self.account)

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        return [
            Column(
                lambda c: c.org.name if c.org else f"{c.cadre.name}（{c.cadre.org.name}）", "组织 / 团干部"
            ),
            Column("scene", "场景值"),
            Column(lambda c: c.get_kind_display(), "类型", css="qn-hide-phone"),
            Column(
                lambda c: timezone.localtime(c.expires_at).strftime("%Y-%m-%d") if c.expires_at else "长期",
                "有效期",
            ),
            Column(lambda c: self.recruits.get(c.scene, 0), "关注者"),
        ]

    def extra_context(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "can_publish": path_in_scope(self.request.user, Action.PUBLISH, self.account.org.path),
            "row_actions_template": "mp/_qrcode_actions.html",
        }


class QrGenerateView(ObjectEditView):
    model = OfficialAccount
    form_class = QrGenerateForm
    action = Action.PUBLISH
    title_edit = "生成参数二维码和海报"
    success_message = "已开始生成"

    def base_queryset(self) -> QuerySet[OfficialAccount]:
        return OfficialAccount.objects.select_related("org")

    def form_kwargs(self, obj: OfficialAccount) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial": {"root": obj.org}}

    def success_url(self, obj: MpJob) -> str:
        return obj.get_absolute_url()

    def perform(self, form: QrGenerateForm, obj: OfficialAccount) -> MpJob:
        return services.qrcodes_job_create(
            actor=self.request.user, account=obj, root=form.cleaned_data["root"]
        )


class PosterView(ObjectDetailView):
    model = QrCode

    def base_queryset(self) -> QuerySet[QrCode]:
        return QrCode.objects.select_related("account__org", "org", "cadre__org").exclude(kind="bind")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        code = self.get_object()
        return HttpResponseRedirect(poster_url(services.poster_ensure(code)))


class JobDetailView(ObjectDetailView):
    model = MpJob
    template_name = "mp/job_detail.html"

    def base_queryset(self) -> QuerySet[MpJob]:
        return MpJob.objects.select_related("account")

    def get_context(self, obj: MpJob) -> dict[str, Any]:
        return {"running": obj.status in (JobStatus.QUEUED, JobStatus.RUNNING)}
