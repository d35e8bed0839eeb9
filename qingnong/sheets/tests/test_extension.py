"""The extension API as another app uses it: a kind of its own, cadre references, the bulk helpers."""

from __future__ import annotations

import pytest
from django.db import transaction

from qingnong.core.system import SYSTEM
from qingnong.orgs import services
from qingnong.orgs.models import Cadre
from qingnong.sheets.bulkdb import fast_insert, fast_update, new_instance
from qingnong.sheets.definitions import CadreRef, Column, OrgRef, SheetDefinition, Status, Text
from qingnong.sheets.pipeline import run_import

from . import files

pytestmark = pytest.mark.django_db


def owners_definition(seen):
    """A kind like the groups ledger will declare: a group name, its org and its owner cadre."""

    def validate(rows, ctx):
        for row in rows:
            seen.append(row.values)
            row.mark_new()

    return SheetDefinition(
        kind="test_groups",
        label="测试群",
        columns=[
            Column("org", "所属组织", OrgRef(), required=True),
            Column("name", "群名称", Text(max_length=50), required=True),
            Column("owner", "群主", CadreRef(), required=True, aliases=("管理员",)),
        ],
        keys=[("org", "name")],
        scope_column="org",
        validate=validate,
        write=lambda rows, ctx: None,
    )


def test_cadre_references_resolve_by_phone_and_name(scope_world, tmp_path):
    services.cadre_create(actor=SYSTEM, org=scope_world.village_in, name="张三", phone="13912345678")
    services.cadre_create(actor=SYSTEM, org=scope_world.village_in, name="李四", phone="13912345679")
    services.cadre_create(actor=SYSTEM, org=scope_world.town_in, name="李四", phone="13912345680")
    rows = [
        ["所属组织", "群名称", "群主"],
        ["新河村", "新河青年群", "张三 139-1234-5678"],
        ["新河村", "新河创业群", "张三"],
        ["新河村", "新河二群", "王五 13900000000"],
        ["新河村", "新河三群", "李四 13912345678"],
        ["新河村", "新河四群", "李四"],
        ["新河村", "新河青年群", "张三"],
    ]
    seen = []
    report = run_import(
        owners_definition(seen), files.xlsx(tmp_path / "g.xlsx", rows), actor=scope_world.users["admin_in"]
    )
    messages = {n: m for n, _h, m in report.errors}
    assert report.counts[Status.NEW] == 2
    assert seen[0]["owner"].phone == "13912345678" and seen[1]["owner"].name == "张三"
    assert messages[4] == "找不到手机号为 13900000000 的团干部，请先导入或登记该团干部"
    assert messages[5] == "手机号 13912345678 登记的团干部姓名与“李四”不符"
    assert messages[6] == "有 2 名团干部叫“李四”，请同时填写手机号"
    assert messages[7].startswith("与第 2 行重复")


def test_new_instance_and_fast_writes(scope_world):
    with transaction.atomic():
        cadre = new_instance(
            Cadre,
            {"org_id": scope_world.village_in.pk, "name": "快", "phone": "13912340001"},
            {"org": scope_world.village_in},
        )
        assert cadre.is_active is True and cadre.gender == "" and cadre.created_at is not None
        assert cadre.org is scope_world.village_in
        fast_insert(Cadre, [cadre])
        assert cadre.pk is not None and cadre.updated_at is not None
        stored = Cadre.objects.get(pk=cadre.pk)
        assert (stored.name, stored.phone, stored.org_id) == ("快", "13912340001", scope_world.village_in.pk)
        cadre.name = "慢"
        fast_update(Cadre, [cadre], ["name"])
        assert Cadre.objects.get(pk=cadre.pk).name == "慢"
        # A normal save afterwards still works (the sequence was not disturbed).
        other = services.cadre_create(
            actor=SYSTEM, org=scope_world.village_in, name="普通", phone="13912340002"
        )
        assert other.pk > cadre.pk


@pytest.mark.django_db(transaction=True)
def test_fast_writes_refuse_to_run_outside_a_transaction(scope_world):
    with pytest.raises(RuntimeError, match="transaction"):
        fast_insert(Cadre, [Cadre(org=scope_world.village_in, name="x", phone="13912340003")])
