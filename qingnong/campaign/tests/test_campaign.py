"""Campaign settings and county submissions: rules, bad input, scoping."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingnong.campaign import selectors, services
from qingnong.campaign.choices import SubmissionKind, SubmissionStatus
from qingnong.campaign.models import Campaign, Submission
from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite

pytestmark = pytest.mark.django_db


def make_campaign(world, year=2014):
    return services.campaign_create(actor=SYSTEM, org=world.city, year=year)


def docx_bytes(text="工作方案") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_defaults_follow_the_notice(scope_world):
    c = make_campaign(scope_world)
    assert c.plan_due == datetime.date(2014, 8, 20)
    assert c.qingnong_groups_due == datetime.date(2014, 9, 30)
    assert c.coverage_due == datetime.date(2014, 10, 31)
    assert c.summary_due == datetime.date(2014, 11, 15)
    assert c.complete_by == datetime.date(2014, 12, 31)
    assert (c.reach_per_cadre, c.tuanqing_coverage_pct, c.exclusive_groups_min) == (20, 90, 2)
    assert (c.posts_per_week, c.dormant_days) == (2, 30)
    assert sum(c.weights.values()) == 100
    assert c.phase_on(datetime.date(2014, 8, 10)) == "survey"
    assert c.phase_on(datetime.date(2014, 11, 10)) == "inspection"


def test_new_year_copies_last_one(scope_world):
    c = make_campaign(scope_world)
    services.campaign_update(actor=SYSTEM, campaign=c, data={"reach_per_cadre": 25})
    c.refresh_from_db()
    nxt = services.campaign_create(actor=SYSTEM, org=scope_world.city, year=2015, copy_from=c)
    assert nxt.reach_per_cadre == 25
    assert nxt.plan_due == datetime.date(2015, 8, 20)
    assert "2015" in nxt.name


def test_only_city_admin_edits_and_it_is_audited(scope_world):
    w = scope_world
    c = make_campaign(w)
    with pytest.raises(PermissionDenied):
        services.campaign_update(actor=w.users["admin_in"], campaign=c, data={"dormant_days": 10})
    services.campaign_update(actor=w.users["city_admin"], campaign=c, data={"dormant_days": 21})
    entry = AuditEntry.objects.get(action="campaign.campaign.update")
    assert entry.before["dormant_days"] == 30 and entry.after["dormant_days"] == 21


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"build_start": datetime.date(2014, 7, 1)}, "日期顺序有误"),
        ({"summary_due": datetime.date(2015, 3, 1)}, "须在联系摸底开始与基本完成之间"),
        ({"tuanqing_coverage_pct": 120}, "团青微信群建群率"),
        ({"reach_per_cadre": -3}, "每名基层团干部联系青年数"),
        ({"weight_groups": 50}, "权重之和须为 100"),
    ],
)
def test_bad_campaign_input_is_refused(scope_world, data, fragment):
    c = make_campaign(scope_world)
    before = {f: getattr(c, f) for f in data}
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(actor=scope_world.users["city_admin"], campaign=c, data=data)
    assert fragment in str(exc.value)
    c.refresh_from_db()
    assert {f: getattr(c, f) for f in data} == before
    assert not AuditEntry.objects.filter(action="campaign.campaign.update").exists()


def test_campaign_form_shows_range_error(scope_world):
    c = make_campaign(scope_world)
    url = reverse("campaign:campaign_edit", args=[c.pk])
    client = scope_world.client("city_admin")
    form = client.get(url)
    assert form.status_code == 200
    data = {k: v for k, v in form.context["form"].initial.items() if v is not None}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    data["tuanqing_coverage_pct"] = "150"
    response = client.post(url, data)
    assert response.status_code == 422
    assert "团青微信群建群率" in response.content.decode()
    c.refresh_from_db()
    assert c.tuanqing_coverage_pct == 90


def test_campaign_for_org_uses_nearest_ancestor(scope_world):
    w = scope_world
    c = make_campaign(w, year=2014)
    assert selectors.campaign_for(w.village_in, on=datetime.date(2014, 9, 1)) == c
    assert selectors.campaign_for(w.village_in, on=datetime.date(2015, 1, 2)) == c  # latest earlier one
    assert selectors.campaign_for(w.village_in, on=datetime.date(2013, 1, 2)) is None
    assert c in selectors.campaigns_visible(w.users["entry_in"])


def _upload(name="方案.docx", content=None):
    return SimpleUploadedFile(name, docx_bytes() if content is None else content)


def test_county_submits_and_city_reviews(scope_world):
    w = scope_world
    c = make_campaign(w)
    sub = services.submission_upload(
        actor=w.users["admin_in"], campaign=c, org=w.county_in, kind=SubmissionKind.PLAN, upload=_upload()
    )
    assert sub.status == SubmissionStatus.SUBMITTED
    assert sub.file.name.startswith("private/")
    with pytest.raises(ValidationError) as exc:
        services.submission_review(actor=w.users["city_admin"], submission=sub, accept=False)
    assert "审核意见" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.submission_review(actor=w.users["admin_in"], submission=sub, accept=True)
    services.submission_review(
        actor=w.users["city_admin"], submission=sub, accept=False, comment="请补充分工"
    )
    again = services.submission_upload(
        actor=w.users["admin_in"], campaign=c, org=w.county_in, kind=SubmissionKind.PLAN, upload=_upload()
    )
    services.submission_review(actor=w.users["city_admin"], submission=again, accept=True)
    board = selectors.submission_board(user=w.users["city_admin"], campaign=c)
    row = next(r for r in board if r.org == w.county_in)
    assert row.plan.status == SubmissionStatus.ACCEPTED and row.summary is None
    with pytest.raises(ValidationError):
        services.submission_upload(
            actor=w.users["admin_in"], campaign=c, org=w.county_in, kind=SubmissionKind.PLAN, upload=_upload()
        )


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("方案.exe", b"MZ\x90\x00", "文件类型不支持"),
        ("方案.docx", b"just some text", "文件内容与扩展名不符"),
        ("方案.pdf", docx_bytes(), "文件内容与扩展名不符"),
        ("方案.docx", b"PK\x03\x04" + b"\x00" * 40, "文件内容与扩展名不符"),
    ],
)
def test_bad_submission_files(scope_world, name, content, fragment):
    w = scope_world
    c = make_campaign(w)
    with pytest.raises(ValidationError) as exc:
        services.submission_upload(
            actor=w.users["admin_in"],
            campaign=c,
            org=w.county_in,
            kind=SubmissionKind.PLAN,
            upload=_upload(name, content),
        )
    assert fragment in str(exc.value)
    assert Submission.objects.count() == 0


def test_oversized_submission(scope_world, settings):
    settings.SUBMISSION_MAX_BYTES = 1024
    w = scope_world
    c = make_campaign(w)
    with pytest.raises(ValidationError) as exc:
        services.submission_upload(
            actor=w.users["admin_in"],
            campaign=c,
            org=w.county_in,
            kind=SubmissionKind.PLAN,
            upload=_upload(content=b"%PDF-" + b"0" * 2048, name="a.pdf"),
        )
    assert "文件过大" in str(exc.value)
    assert Submission.objects.count() == 0


def test_only_counties_submit(scope_world):
    w = scope_world
    c = make_campaign(w)
    with pytest.raises(ValidationError) as exc:
        services.submission_upload(
            actor=w.users["admin_in"], campaign=c, org=w.town_in, kind=SubmissionKind.PLAN, upload=_upload()
        )
    assert "县级团委" in str(exc.value)


def _submission(world, org):
    county = org if org.level == "county" else org.parent_org()
    campaign = Campaign.objects.first() or make_campaign(world)
    return services.submission_upload(
        actor=SYSTEM, campaign=campaign, org=county, kind=SubmissionKind.PLAN, upload=_upload()
    )


class TestSubmissionEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_submission)

    def count_objects(self, world):
        return Submission.objects.count()

    endpoints = [
        Endpoint("page-detail", lambda w, s: reverse("campaign:submission_detail", args=[s.pk])),
        Endpoint("page-file", lambda w, s: reverse("campaign:submission_file", args=[s.pk])),
        Endpoint("page-review-form", lambda w, s: reverse("campaign:submission_review", args=[s.pk])),
        Endpoint(
            "page-upload",
            lambda w, o: reverse(
                "campaign:submission_upload", args=[(Campaign.objects.first() or make_campaign(w)).pk, o.pk]
            ),
            method="post",
            target="create",
            data=lambda w, o: {"kind": "summary", "file": _upload("总结.docx")},
        ),
        Endpoint(
            "page-board",
            lambda w, s: reverse("campaign:submission_board"),
            target="list",
            marker=lambda s: f'href="/submissions/{s.pk}/"',
        ),
    ]


def test_campaign_pages(scope_world):
    w = scope_world
    c = make_campaign(w)
    county = w.client("admin_in")
    assert county.get(reverse("campaign:campaign_current"))["Location"] == c.get_absolute_url()
    page = county.get(c.get_absolute_url()).content.decode()
    assert "联系摸底" in page and "8月20日" in page and "修改日期与指标" not in page
    assert "修改日期与指标" in w.client("city_admin").get(c.get_absolute_url()).content.decode()
    assert county.get(reverse("campaign:campaign_edit", args=[c.pk])).status_code == 404
    assert w.client("nogrant").get(c.get_absolute_url()).status_code == 404
    assert w.client(None).get(c.get_absolute_url()).status_code == 302
