"""Audit actions are a registry: each declared once with its Chinese label; undeclared ones are refused."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse

from qingnong.core.audit import audit_bulk, audit_record, audit_rows
from qingnong.core.audit_actions import (
    UndeclaredAuditAction,
    action_choices,
    action_label,
    declare_actions,
    is_declared,
)
from qingnong.core.models import AuditEntry
from qingnong.orgs import services as org_services
from qingnong.orgs.models import Org

ROOT = Path(__file__).resolve().parents[2]
AUDIT_CALLS = {"audit_record", "audit_rows", "audit_bulk", "save_audited", "_transition", "_apply_status"}


@pytest.mark.django_db
@pytest.mark.parametrize("writer", ["audit_record", "audit_rows", "audit_bulk"])
def test_undeclared_action_is_refused_naming_it_and_where_to_declare(scope_world, writer):
    city = scope_world.city
    before = AuditEntry.objects.count()
    with pytest.raises(UndeclaredAuditAction) as exc, transaction.atomic():
        if writer == "audit_record":
            audit_record(actor=None, action="orgs.org.frobnicate", obj=city)
        elif writer == "audit_rows":
            audit_rows(
                actor=None, action="orgs.org.frobnicate", model=Org, rows=[(city.pk, "x", "", None, None)]
            )
        else:
            audit_bulk(actor=None, action="orgs.org.frobnicate", objects=[city])
    message = str(exc.value)
    assert "'orgs.org.frobnicate'" in message and "qingnong/orgs/audit_actions.py" in message
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_an_action_of_an_unknown_app_names_where_it_would_go(scope_world):
    with pytest.raises(UndeclaredAuditAction) as exc, transaction.atomic():
        audit_record(actor=None, action="wecom.group.sync", obj=scope_world.city)
    assert "qingnong/wecom/audit_actions.py" in str(exc.value)


def test_declarations_stay_inside_their_app_and_are_made_once():
    with pytest.raises(ImproperlyConfigured):
        declare_actions("orgs", {"wxgroups.group.create": "登记微信群"})
    with pytest.raises(ImproperlyConfigured):
        declare_actions("orgs", {"orgs.org.move": "挪动组织"})
    with pytest.raises(ImproperlyConfigured):
        declare_actions("orgs", {"orgs.org.archive": " "})
    declare_actions("orgs", {"orgs.org.move": "移动组织"})  # the same declaration again is harmless
    assert action_label("orgs.org.move") == "移动组织"
    assert action_label("orgs.org.gone") == "orgs.org.gone"  # an old entry's action shows its name


def _audit_actions_in_code() -> list[tuple[str, int, ast.expr]]:
    """Every ``action=`` value handed to an audit writer in the product's modules."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path.parent.name == "e2e":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in AUDIT_CALLS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    found.append((str(path.relative_to(ROOT.parent)), node.lineno, keyword.value))
    return found


def test_every_action_written_in_the_code_is_declared():
    """The static half of the refusal: each literal action is declared, and none is built at run time
    (an f-string or a variable would escape this check), except the helpers that pass theirs on."""
    found = _audit_actions_in_code()
    assert len(found) > 90
    missing, built = [], []
    for where, line, value in found:
        literals = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
        for literal in literals:
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                if not is_declared(literal.value):
                    missing.append(f"{where}:{line} {literal.value}")
            elif not (isinstance(literal, ast.Name) and literal.id == "action"):
                built.append(f"{where}:{line}")
    assert missing == []
    assert built == []


@pytest.mark.django_db
def test_audit_list_filters_by_label_and_exactly(scope_world):
    w = scope_world
    cadre = org_services.cadre_create(actor=w.users["admin_in"], org=w.town_in, name="本县干部")
    with transaction.atomic():
        audit_record(actor=None, action="orgs.cadre.import_update", obj=cadre, object_repr="导入更新的干部")
    client = w.client("admin_in")

    def listed(action: str | None = None) -> str:
        return client.get(reverse("orgs:audit_list"), {"action": action} if action else {}).content.decode()

    page = listed()
    assert "新增团干部" in page and "导入更新团干部" in page and ">orgs.cadre.create<" not in page
    assert '<option value="orgs.cadre.create">新增团干部</option>' in page
    assert '<option value="orgs.">组织与团干部：全部</option>' in page
    # A declared action is matched exactly ("orgs.cadre.import" is not "orgs.cadre.import_update") ...
    exact = listed("orgs.cadre.import")
    assert "导入更新的干部" not in exact and "本县干部" not in exact
    assert "导入更新的干部" in listed("orgs.cadre.import_update")
    # ... anything else is a prefix, as links made before the labels were.
    assert "本县干部" in listed("orgs.cadre") and "导入更新的干部" in listed("orgs.cadre")
    assert "本县干部" not in listed("wxgroups.")


def test_choices_group_actions_by_app_with_labels():
    groups = {label: items for label, items in action_choices()[1:]}
    assert ("wxgroups.group.import", "导入新增微信群") in groups["三群台账"]
    assert groups["三群台账"][0] == ("wxgroups.", "三群台账：全部")
    assert ("core.export.personal", "导出个人信息") in groups["系统"]


@pytest.mark.django_db
def test_history_panel_shows_the_label(scope_world):
    w = scope_world
    cadre = org_services.cadre_create(actor=w.users["admin_in"], org=w.town_in, name="周九")
    org_services.cadre_update(actor=w.users["admin_in"], cadre=cadre, data={"notes": "调任"})
    page = w.client("admin_in").get(reverse("orgs:cadre_detail", args=[cadre.pk])).content.decode()
    assert "修改团干部" in page and "新增团干部" in page
