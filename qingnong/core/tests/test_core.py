"""Core pieces: path ranges, grants, audit inside transactions, notifications, normalisation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qingnong.core.audit import audit_record
from qingnong.core.models import Notification
from qingnong.core.normalise import mask_phone, normalise_phone
from qingnong.core.notifications import notification_send
from qingnong.core.scoping import minimal_roots, path_in_scope, path_successor, subtree_q
from qingnong.orgs.models import Org


def test_path_successor_carries_over_z():
    assert path_successor("0001") == "0002"
    assert path_successor("0009") == "000A"
    assert path_successor("000Z") == "001"
    assert path_successor("ZZZZ") is None


def test_minimal_roots_drops_nested():
    assert minimal_roots(["00010002", "0001", "00020001", "000100020003"]) == ["0001", "00020001"]


@pytest.mark.django_db
def test_subtree_range_matches_prefix(scope_world):
    w = scope_world
    by_range = set(Org.objects.filter(subtree_q("path", w.county_in.path)).values_list("pk", flat=True))
    by_prefix = set(Org.objects.filter(path__startswith=w.county_in.path).values_list("pk", flat=True))
    assert by_range == by_prefix == {w.county_in.pk, w.town_in.pk, w.village_in.pk}


@pytest.mark.django_db
def test_grants_by_action(scope_world):
    w = scope_world
    inspector = w.users["inspector"]
    assert path_in_scope(inspector, "score", w.village_out.path)
    assert not path_in_scope(inspector, "change", w.village_out.path)
    assert not path_in_scope(inspector, "view_personal", w.village_out.path)
    assert path_in_scope(w.users["entry_in"], "view_personal", w.village_in.path)
    assert not path_in_scope(w.users["entry_in"], "view", w.county_in.path)


@pytest.mark.django_db(transaction=True)
def test_audit_outside_transaction_is_refused(scope_world):
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="x.y", obj=scope_world.city)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13912345678", "13912345678"),
        (13912345678.0, "13912345678"),
        ("１３９ １２３４ ５６７８", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_phone(raw, clean):
    assert normalise_phone(raw) == clean


@pytest.mark.parametrize("raw", ["1391234567", "23912345678", "139123456789", "abc"])
def test_normalise_phone_rejects(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_mask_phone():
    assert mask_phone("13912345678") == "139****5678"


@pytest.mark.django_db
def test_notifications_dedupe_and_privacy(scope_world):
    w = scope_world
    a, b = w.users["admin_in"], w.users["entry_in"]
    notification_send(recipients=[a, b], kind="qr", title="群二维码明天过期", dedupe_key="qr:1:2026-11-28")
    notification_send(recipients=[a, b], kind="qr", title="群二维码明天过期", dedupe_key="qr:1:2026-11-28")
    assert Notification.objects.count() == 2
    page = w.client("admin_in").get(reverse("core:notification_list"))
    assert "群二维码明天过期" in page.content.decode()
    other = Notification.objects.get(user=b)
    w.client("admin_in").post(reverse("core:notification_read"), {"id": other.pk})
    other.refresh_from_db()
    assert other.read_at is None  # one cannot mark someone else's messages
    w.client("admin_in").post(reverse("core:notification_read"))
    assert Notification.objects.get(user=a).read_at is not None
