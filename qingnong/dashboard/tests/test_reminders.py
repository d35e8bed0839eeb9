"""The daily to-do reminders (qingnong.campaign.reminders): content from the rules, soon-due items, expiring
QR codes, cadres under the R1 target, one digest for users with many items, de-duplication per day, email
after commit when SMTP is configured, and one rule evaluation per granted org."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from qingnong.campaign import reminders
from qingnong.campaign import services as campaign_services
from qingnong.campaign.tasks import send_campaign_reminders
from qingnong.core.models import Notification
from qingnong.core.system import SYSTEM

from .helpers import cadre, group, past_campaign, village

pytestmark = pytest.mark.django_db


def notes(world, who):
    return list(Notification.objects.filter(user=world.users[who], kind="todo").order_by("pk"))


def current_campaign(world, **due_in_days):
    """This year's campaign with its dates around today, the given milestones ``due_in_days`` from today."""
    today = timezone.localdate()
    campaign = campaign_services.campaign_create(actor=SYSTEM, org=world.city, year=today.year)
    d = lambda n: today + datetime.timedelta(days=n)  # noqa: E731
    data = {
        "survey_start": d(-60),
        "survey_end": d(-50),
        "build_start": d(-49),
        "build_end": d(20),
        "inspection_start": d(21),
        "inspection_end": d(30),
        "complete_by": d(40),
        "plan_due": d(-55),
        "qingnong_groups_due": d(25),
        "coverage_due": d(25),
        "exclusive_groups_due": d(25),
        "ledger_due": d(25),
        "accounts_due": d(25),
        "summary_due": d(25),
        "reach_check_on": d(30),
    }
    data.update({field: d(n) for field, n in due_in_days.items()})
    return campaign_services.campaign_update(actor=SYSTEM, campaign=campaign, data=data)


def test_city_admin_gets_one_digest_naming_the_late_counties(scope_world):
    w = scope_world
    past_campaign(w)
    group(w.village_in)
    stats = reminders.send_daily_reminders()
    mine = notes(w, "city_admin")
    assert len(mine) == 1 and stats.digests >= 1
    digest = mine[0]
    assert digest.title.startswith("今日待办")
    assert "（R2）" in digest.body and "太湖县（0.0%）" in digest.body
    assert "（R3）" in digest.body  # every registered rule that is late, not a fixed list
    assert digest.url.startswith("/dashboard/")


def test_items_one_by_one_below_the_digest_threshold_and_dedupe_per_day(scope_world, monkeypatch):
    w = scope_world
    past_campaign(w)
    monkeypatch.setattr(reminders, "DIGEST_AFTER", 100)
    reminders.send_daily_reminders()
    mine = notes(w, "admin_in")
    titles = [n.title for n in mine]
    assert any(t.startswith("（R2）") and t.endswith("未达标") for t in titles)
    r2 = next(n for n in mine if n.title.startswith("（R2）"))
    assert "怀宁县" in r2.body and "已于" in r2.body and "#late" in r2.url
    assert r2.dedupe_key == f"todo:{timezone.localdate():%Y%m%d}:{w.county_in.pk}-R2-late"
    # Running again the same day sends nothing new …
    again = reminders.send_daily_reminders()
    assert again.notifications == 0 and len(notes(w, "admin_in")) == len(mine)
    # … the next day it reminds again.
    tomorrow = reminders.send_daily_reminders(today=timezone.localdate() + datetime.timedelta(days=1))
    assert tomorrow.notifications > 0


def test_soon_due_rules_and_nothing_for_rules_met(scope_world, monkeypatch):
    w = scope_world
    current_campaign(w, coverage_due=3, qingnong_groups_due=30)
    group(w.village_in)
    monkeypatch.setattr(reminders, "DIGEST_AFTER", 100)
    reminders.send_daily_reminders()
    county = {n.title: n for n in notes(w, "admin_in")}
    # R2 (怀宁: 100 %) is met: nothing. 太湖 is another county's business.
    assert not any(t.startswith("（R2）") for t in county)
    city = {n.title: n for n in notes(w, "city_admin")}
    soon = next(n for t, n in city.items() if t.startswith("（R2）"))
    due = timezone.localdate() + datetime.timedelta(days=3)
    assert soon.title.endswith(f"{due.month}月{due.day}日到期") and "还有 3 天" in soon.body
    assert "太湖县（0.0%）" in soon.body
    # R3 is due in 30 days: not yet worth a reminder.
    assert not any(t.startswith("（R3）") for t in city)


def test_expiring_qr_codes_and_cadres_under_target(scope_world, monkeypatch):
    w = scope_world
    past_campaign(w)
    monkeypatch.setattr(reminders, "DIGEST_AFTER", 100)
    owner = cadre(w.village_in, "村书记")
    group(
        w.village_in,
        name="新河青年群",
        owner=owner,
        qr_image="public/x.jpg",
        qr_uploaded_at=timezone.now() - datetime.timedelta(days=6),
    )
    group(w.village_in, name="新鲜群", qr_image="public/y.jpg", qr_uploaded_at=timezone.now())
    reminders.send_daily_reminders()
    mine = {n.title: n for n in notes(w, "entry_in")}
    qr = next(n for t, n in mine.items() if "二维码" in t)
    assert qr.title == "1 个微信群的二维码将在 2 天内过期"
    assert "新河青年群" in qr.body and "新鲜群" not in qr.body
    reach = next(n for t, n in mine.items() if t.startswith("（R1）"))
    assert reach.title == "（R1）1 名团干部联系青年不足 20 名"
    assert "村书记（新河村，0 名）" in reach.body


def test_email_after_commit_only_when_smtp_is_configured(
    scope_world, settings, django_capture_on_commit_callbacks
):
    w = scope_world
    past_campaign(w)
    user = w.users["admin_in"]
    user.email = "huaining@example.com"
    user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_daily_reminders()
    assert mail.outbox == []
    Notification.objects.all().delete()
    settings.EMAIL_HOST = "smtp.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        stats = reminders.send_daily_reminders()
    assert stats.emails == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["huaining@example.com"] and "待办" in message.subject
    assert "（R2）" in message.body and "/dashboard/" in message.body
    # Nothing new the same day: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_daily_reminders()
    assert len(mail.outbox) == 1


def test_rules_are_evaluated_once_per_granted_org(scope_world, monkeypatch):
    w = scope_world
    past_campaign(w)
    village(w.town_in, "东河村")
    calls = []
    real = reminders.todos_for
    monkeypatch.setattr(reminders, "todos_for", lambda root, **kw: calls.append(root.pk) or real(root, **kw))
    stats = reminders.send_daily_reminders()
    # city_admin and inspector share the city; admin_in, viewer_in and nogrant… the county (nogrant has none).
    assert sorted(calls) == sorted({w.city.pk, w.county_in.pk, w.town_in.pk})
    assert stats.roots == 3
    assert not Notification.objects.filter(user=w.users["nogrant"]).exists()


def test_job_is_scheduled_and_runs(scope_world):
    past_campaign(scope_world)
    entry = settings.CELERY_BEAT_SCHEDULE["campaign-daily-reminders"]
    assert entry["task"] == "qingnong.campaign.tasks.send_campaign_reminders"
    out = send_campaign_reminders.delay().get()
    assert out["users"] >= 4 and out["notifications"] >= 4
