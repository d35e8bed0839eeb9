"""Pages and API of the sheets app: scoping proofs, the upload → preview → commit flow, jobs, exports."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.orgs import services as org_services
from qingnong.orgs.models import Cadre
from qingnong.sheets import services
from qingnong.sheets.models import Job, JobStatus
from qingnong.sheets.selectors import job_list

pytestmark = pytest.mark.django_db

HEADER = ["所属组织", "姓名", "手机号", "职务"]


def ledger(org, phone="13912345678", name="张三", extra_rows=()):
    """An .xlsx upload naming ``org`` by its full path."""
    from qingnong.orgs.selectors import org_display_paths

    path = org_display_paths([org])[org.pk]
    buffer = io.BytesIO()
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["XX镇团干部台账"])
    ws.append(HEADER)
    ws.append([path, name, phone, "委员"])
    for row in extra_rows:
        ws.append(list(row))
    wb.save(buffer)
    return SimpleUploadedFile("台账.xlsx", buffer.getvalue())


def make_job(world, org, *, inside=True, **kw):
    """A job of admin_in (inside) or of another user (outside), with a result file."""
    user = world.users["admin_in" if inside else "city_admin"]
    job = Job.objects.create(
        kind=kw.pop("kind", services.EXPORT_KIND),
        title=f"导出{org.name}",
        user=user,
        org=org,
        status=kw.pop("status", JobStatus.SUCCEEDED),
        **kw,
    )
    job.result_file.save("结果.xlsx", ContentFile(b"PK fake"), save=True)
    return job


def previewed_job(world, org, inside=True):
    job = make_job(world, org, inside=inside, kind=services.IMPORT_KIND, stage="preview")
    job.input_file.save("台账.xlsx", ContentFile(ledger(org, phone="13912340000").read()), save=False)
    job.params = {"kind": "cadres", "filename": "台账.xlsx"}
    job.result = {"preview": {"counts": {"new": 1, "bad": 0}, "total": 1}}
    job.save()
    return job


class TestSheetPages(ScopedEndpointSuite):
    def make_object(self, world, org):
        return make_job(world, org, inside=org is world.village_in)

    def count_objects(self, world):
        return Cadre.objects.count() * 1000 + Job.objects.count()

    endpoints = [
        Endpoint("page-index", lambda w, o: reverse("sheets:index"), outside=(200,)),
        Endpoint("page-import-form", lambda w, o: reverse("sheets:import", args=["cadres"]), outside=(200,)),
        Endpoint(
            "page-import-upload",
            lambda w, o: reverse("sheets:import", args=["cadres"]),
            method="post",
            target="create",
            data=lambda w, org: {"file": ledger(org), "under": str(org.pk)},
            ok=(302,),
            outside=(422,),
        ),
        Endpoint("page-template", lambda w, o: reverse("sheets:template", args=["cadres"]), outside=(200,)),
        Endpoint("page-export-form", lambda w, o: reverse("sheets:export", args=["cadres"]), outside=(200,)),
        Endpoint(
            "page-export",
            lambda w, o: reverse("sheets:export", args=["cadres"]),
            method="post",
            target="create",
            data=lambda w, org: {"under": str(org.pk), "format": "xlsx"},
            ok=(302,),
            outside=(422,),
        ),
        Endpoint(
            "page-job-list",
            lambda w, o: reverse("sheets:job_list"),
            target="list",
            marker=lambda job: job.title,
        ),
        Endpoint("page-job-detail", lambda w, job: reverse("sheets:job_detail", args=[job.pk])),
        Endpoint("page-job-progress", lambda w, job: reverse("sheets:job_progress", args=[job.pk])),
        Endpoint("page-job-file", lambda w, job: reverse("sheets:job_file", args=[job.pk, "result"])),
        Endpoint("api-kinds", lambda w, o: "/api/v1/sheets/kinds", kind="api", outside=(200,)),
        Endpoint("api-job", lambda w, job: f"/api/v1/jobs/{job.pk}", kind="api"),
        Endpoint(
            "api-jobs", lambda w, o: "/api/v1/jobs/", kind="api", target="list", marker=lambda job: job.title
        ),
    ]


class TestCommitEndpoints(ScopedEndpointSuite):
    def make_object(self, world, org):
        return previewed_job(world, org, inside=org is world.village_in)

    def count_objects(self, world):
        return Cadre.objects.count()

    endpoints = [
        Endpoint("page-commit", lambda w, job: reverse("sheets:job_commit", args=[job.pk]), method="post"),
        Endpoint("api-commit", lambda w, job: f"/api/v1/jobs/{job.pk}/commit", kind="api", method="post"),
    ]


# --- the flow a county user goes through ------------------------------------------------------------


def test_upload_preview_errors_then_fix_and_commit(scope_world, django_capture_on_commit_callbacks):
    client = scope_world.client("admin_in")
    bad = ledger(scope_world.village_in, extra_rows=[["新河村", "李四", "123", "委员"]])
    response = client.post(reverse("sheets:import", args=["cadres"]), {"file": bad})
    assert response.status_code == 302
    job = Job.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "有错误" in page and "第 4 行" in page and "不是11位手机号码" in page
    assert 'id="commit-form"' not in page
    errors = client.get(reverse("sheets:job_file", args=[job.pk, "errors"]))
    assert errors.status_code == 200 and errors["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(b"".join(errors.streaming_content)))
    assert "不是11位手机号码" in workbook.active.cell(4, 5).value
    # Another user cannot fetch it, even knowing the URL.
    assert (
        scope_world.client("city_admin").get(reverse("sheets:job_file", args=[job.pk, "errors"])).status_code
        == 404
    )
    # Fixed and uploaded again: preview is clean, commit writes.
    good = ledger(scope_world.village_in, extra_rows=[["新河村", "李四", "13912345679", "委员"]])
    response = client.post(reverse("sheets:import", args=["cadres"]), {"file": good})
    job = Job.objects.latest("id")
    page = client.get(response["Location"]).content.decode()
    assert 'id="commit-form"' in page and "新增 2 行" in page
    assert not Cadre.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sheets:job_commit", args=[job.pk]))
    assert response.status_code == 302
    assert Cadre.objects.count() == 2
    job.refresh_from_db()
    assert job.stage == "commit" and job.result["commit"]["committed"] is True
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已全部写入" in page
    # A second commit of the same job is refused.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sheets:job_commit", args=[job.pk]))
    assert Cadre.objects.count() == 2


def test_rejected_file_shows_the_reason_on_the_form(scope_world):
    client = scope_world.client("admin_in")
    upload = SimpleUploadedFile("台账.xlsx", "姓名,手机号\n张三,1\n".encode())
    response = client.post(reverse("sheets:import", args=["cadres"]), {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "文件无法导入" in page and "内容是.csv" in page


def test_oversized_upload_is_refused_before_it_is_kept(scope_world, settings):
    settings.SHEETS_MAX_UPLOAD_BYTES = 100
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("sheets:import", args=["cadres"]), {"file": ledger(scope_world.village_in)}
    )
    assert response.status_code == 422
    assert "超过上限" in response.content.decode()
    assert not Job.objects.exists()


def test_large_import_runs_in_the_background_with_progress(
    scope_world, settings, django_capture_on_commit_callbacks
):
    settings.SHEETS_IMPORT_BACKGROUND_ROWS = 1
    client = scope_world.client("admin_in")
    upload = ledger(
        scope_world.village_in, extra_rows=[["新河村", f"干部{i}", f"1391230{i:04d}", ""] for i in range(5)]
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("sheets:import", args=["cadres"]), {"file": upload})
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'hx-get="/jobs/' in page and "qn-progress" in page
    for callback in callbacks:
        callback()  # the Celery task (eager without a broker)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["preview"]["counts"]["new"] == 6
    progress = client.get(reverse("sheets:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"


def test_api_import_and_commit(scope_world, django_capture_on_commit_callbacks):
    api = scope_world.api("admin_in")
    response = api.post("/api/v1/sheets/cadres/imports", {"file": ledger(scope_world.village_in)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["result"]["preview"]["counts"]["new"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/jobs/{body['id']}/commit")
    assert response.status_code == 200
    assert Cadre.objects.filter(phone="13912345678").exists()
    bad = api.post("/api/v1/sheets/cadres/imports", {"file": SimpleUploadedFile("a.xlsx", b"x")})
    assert bad.status_code == 201 and "内容是.csv" in bad.json()["result"]["preview"]["file_error"]


def test_commit_refused_when_preview_had_errors(scope_world):
    job = previewed_job(scope_world, scope_world.village_in)
    job.result = {"preview": {"counts": {"bad": 2}, "total": 3}}
    job.save()
    response = scope_world.api("admin_in").post(f"/api/v1/jobs/{job.pk}/commit")
    assert response.status_code == 422 and "错误行" in response.json()["message"]


# --- exports ------------------------------------------------------------------------------------------


def _cadres(world, n=3):
    for i in range(n):
        org_services.cadre_create(
            actor=SYSTEM, org=world.village_in, name=f"干部{i}", phone=f"1391234{i:04d}"
        )


def test_list_page_exports_xlsx_with_masking(scope_world):
    _cadres(scope_world)
    response = scope_world.client("inspector").get(reverse("orgs:cadre_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) == 4
    phone = rows[0].index("手机号")
    assert all(r[phone].startswith("139****") for r in rows[1:])
    full = scope_world.client("admin_in").get(reverse("orgs:cadre_list"), {"export": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(full.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[1][phone].startswith("1391234")


def test_list_page_links_import_and_export(scope_world):
    page = scope_world.client("admin_in").get(reverse("orgs:cadre_list")).content.decode()
    assert "export=xlsx" in page and reverse("sheets:import", args=["cadres"]) in page
    viewer = scope_world.client("viewer_in").get(reverse("orgs:cadre_list")).content.decode()
    assert reverse("sheets:import", args=["cadres"]) not in viewer


def test_unknown_export_format_is_404(scope_world):
    assert (
        scope_world.client("admin_in").get(reverse("orgs:cadre_list"), {"export": "pdf"}).status_code == 404
    )


def test_long_list_export_becomes_a_background_job(scope_world, settings, django_capture_on_commit_callbacks):
    settings.SHEETS_EXPORT_BACKGROUND_ROWS = 2
    _cadres(scope_world, 3)
    client = scope_world.client("admin_in")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("orgs:cadre_list"), {"export": "xlsx", "q": "干部"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows": 3}
    download = client.get(reverse("sheets:job_file", args=[job.pk, "result"]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 4 and rows[1][0].startswith("干部")


def test_kind_export_job(scope_world, django_capture_on_commit_callbacks):
    _cadres(scope_world, 2)
    client = scope_world.client("admin_in")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sheets:export", args=["cadres"]), {"format": "csv"})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.SUCCEEDED
    text = b"".join(client.get(reverse("sheets:job_file", args=[job.pk, "result"])).streaming_content)
    assert "干部0".encode() in text


# --- jobs ---------------------------------------------------------------------------------------------


def test_expired_job_files_are_deleted(scope_world):
    job = make_job(scope_world, scope_world.village_in)
    path = job.result_file.path
    fresh = make_job(scope_world, scope_world.village_in)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    from qingnong.sheets.tasks import purge_expired_jobs

    assert purge_expired_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED and not job.result_file
    import os

    assert not os.path.exists(path)
    assert os.path.exists(fresh.result_file.path)
    client = scope_world.client("admin_in")
    assert client.get(reverse("sheets:job_file", args=[job.pk, "result"])).status_code == 404


def test_job_expiry_is_seven_days_and_beat_runs_daily():
    from django.conf import settings

    job = Job(kind="x", title="x")
    assert (job.expires_at - timezone.now()).days == 6  # 7 days minus the test's own seconds
    assert "sheets-purge-expired-jobs" in settings.CELERY_BEAT_SCHEDULE


def test_failing_handler_marks_the_job_failed(scope_world):
    from qingnong.sheets.jobs import job_handler

    @job_handler("tests.boom")
    def boom(job, progress):
        progress(1, 2)
        raise RuntimeError("坏了")

    job = services.job_create(actor=scope_world.users["admin_in"], kind="tests.boom", title="测试")
    job = services.job_run(job.pk)
    assert job.status == JobStatus.FAILED and "坏了" in job.message


def test_job_list_has_constant_queries(scope_world):
    user = scope_world.users["admin_in"]
    client = scope_world.client("admin_in")
    make_job(scope_world, scope_world.village_in)
    assert_constant_queries(
        lambda: client.get(reverse("sheets:job_list")),
        lambda: [make_job(scope_world, scope_world.village_in) for _ in range(5)],
    )
    assert_constant_queries(
        lambda: list(job_list(user=user)), lambda: make_job(scope_world, scope_world.town_in)
    )
