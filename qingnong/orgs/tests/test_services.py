"""Org tree, roster, users and grants: the rules the services enforce, and the audit they leave."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qingnong.core.models import AuditEntry
from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM
from qingnong.orgs import services
from qingnong.orgs.choices import GrassrootsKind, OrgLevel, OrgStatus, PositionTitle
from qingnong.orgs.models import Cadre, Org, Position, ScopeGrant, User

pytestmark = pytest.mark.django_db


def test_create_writes_tree_and_audit(scope_world):
    w = scope_world
    admin = w.users["admin_in"]
    org = services.org_create(
        actor=admin, parent=w.town_in, name="东风村", level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
    )
    assert org.parent_org().pk == w.town_in.pk
    assert org.path.startswith(w.town_in.path)
    entry = AuditEntry.objects.get(action="orgs.org.create", object_id=str(org.pk))
    assert entry.actor == admin
    assert entry.after["name"] == "东风村"
    assert entry.org_path == org.path


def test_move_subtree_is_audited_and_keeps_descendants(scope_world):
    w = scope_world
    actor = w.users["city_admin"]
    moved = services.org_move(actor=actor, org=w.town_in, new_parent=w.county_out)
    assert moved.parent_org().pk == w.county_out.pk
    village = Org.objects.get(pk=w.village_in.pk)
    assert village.path.startswith(moved.path)
    entry = AuditEntry.objects.get(action="orgs.org.move")
    assert entry.before["parent"] == w.county_in.pk
    assert entry.after["parent"] == w.county_out.pk
    assert Org.objects.find_problems() == ([], [], [], [], [])


def test_move_into_own_subtree_is_a_cycle(scope_world):
    w = scope_world
    with pytest.raises(ValidationError) as exc:
        services.org_move(actor=w.users["city_admin"], org=w.county_in, new_parent=w.village_in)
    assert "自己或它的下级" in str(exc.value)
    assert Org.objects.get(pk=w.county_in.pk).parent_org().pk == w.city.pk
    assert not AuditEntry.objects.filter(action="orgs.org.move").exists()


@pytest.mark.parametrize(
    ("org_attr", "parent_attr", "fragment"),
    [
        ("village_in", "village_out", "基层组织"),  # village under village
        ("county_in", "town_out", "层级不符"),  # county under township
    ],
)
def test_move_breaking_level_order_is_refused(scope_world, org_attr, parent_attr, fragment):
    w = scope_world
    org, parent = getattr(w, org_attr), getattr(w, parent_attr)
    old_parent = org.parent_org().pk
    with pytest.raises(ValidationError) as exc:
        services.org_move(actor=w.users["city_admin"], org=org, new_parent=parent)
    assert fragment in str(exc.value)
    assert Org.objects.get(pk=org.pk).parent_org().pk == old_parent


def test_move_outside_actor_subtree_is_refused(scope_world):
    w = scope_world
    with pytest.raises(PermissionDenied):
        services.org_move(actor=w.users["admin_in"], org=w.town_in, new_parent=w.county_out)
    assert Org.objects.get(pk=w.town_in.pk).path.startswith(w.county_in.path)


def test_duplicate_division_code_names_the_other_org(scope_world):
    w = scope_world
    count = Org.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            actor=w.users["admin_in"],
            parent=w.town_in,
            name="重复村",
            level=OrgLevel.GRASSROOTS,
            kind=GrassrootsKind.VILLAGE,
            division_code="340822101201",
        )
    assert "新河村" in str(exc.value)
    assert Org.objects.count() == count


def test_grassroots_requires_kind_and_levels_descend(scope_world):
    w = scope_world
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            actor=w.users["admin_in"], parent=w.town_in, name="无类别", level=OrgLevel.GRASSROOTS
        )
    assert "类别" in str(exc.value)
    with pytest.raises(ValidationError):
        services.org_create(actor=w.users["admin_in"], parent=w.town_in, name="乡下县", level=OrgLevel.COUNTY)


def test_delete_org_with_data_is_refused_and_dissolve_works(scope_world):
    w = scope_world
    admin = w.users["admin_in"]
    services.cadre_create(actor=admin, org=w.village_in, name="张三", phone="13900000001")
    with pytest.raises(ValidationError) as exc:
        services.org_delete(actor=admin, org=w.village_in)
    assert "撤销" in str(exc.value)
    assert Org.objects.filter(pk=w.village_in.pk).exists()
    dissolved = services.org_dissolve(actor=admin, org=w.village_in)
    assert dissolved.status == OrgStatus.DISSOLVED
    assert AuditEntry.objects.filter(action="orgs.org.dissolve").count() == 1


def test_delete_empty_org(scope_world):
    w = scope_world
    admin = w.users["admin_in"]
    org = services.org_create(
        actor=admin, parent=w.town_in, name="误建村", level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
    )
    services.org_delete(actor=admin, org=org)
    assert not Org.objects.filter(pk=org.pk).exists()
    assert Org.objects.get(pk=w.town_in.pk).numchild == 1
    assert AuditEntry.objects.filter(action="orgs.org.delete", object_id=str(org.pk)).exists()


def test_merge_moves_children_and_marks_merged(scope_world):
    w = scope_world
    actor = w.users["admin_in"]
    other = services.org_create(actor=actor, parent=w.county_in, name="月山镇", level=OrgLevel.TOWNSHIP)
    merged = services.org_merge(actor=actor, org=w.town_in, into=other)
    assert merged.status == OrgStatus.MERGED
    assert merged.merged_into_id == other.pk
    assert Org.objects.get(pk=w.village_in.pk).parent_org().pk == other.pk


def test_cadre_phone_normalised_and_unique(scope_world):
    w = scope_world
    admin = w.users["admin_in"]
    cadre = services.cadre_create(actor=admin, org=w.town_in, name="李四", phone="１３９１２３４５６７８")
    assert cadre.phone == "13912345678"
    count = Cadre.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.cadre_create(actor=admin, org=w.village_in, name="李四二", phone=13912345678.0)
    assert "李四" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.cadre_create(actor=admin, org=w.village_in, name="王五", phone="12345")
    assert "11位" in str(exc.value)
    assert Cadre.objects.count() == count


def test_position_rules(scope_world):
    w = scope_world
    admin = w.users["admin_in"]
    a = services.cadre_create(actor=admin, org=w.town_in, name="甲")
    b = services.cadre_create(actor=admin, org=w.town_in, name="乙")
    services.position_create(
        actor=admin, cadre=a, org=w.town_in, title=PositionTitle.SECRETARY, is_committee=True
    )
    with pytest.raises(ValidationError) as exc:
        services.position_create(actor=admin, cadre=b, org=w.town_in, title=PositionTitle.SECRETARY)
    assert "甲" in str(exc.value)
    with pytest.raises(ValidationError):
        services.position_create(actor=admin, cadre=a, org=w.town_in, title=PositionTitle.SECRETARY)
    with pytest.raises(ValidationError) as exc:
        services.position_create(
            actor=admin,
            cadre=b,
            org=w.village_in,
            title=PositionTitle.MEMBER,
            start_date=datetime.date(2014, 9, 1),
            end_date=datetime.date(2014, 8, 1),
        )
    assert "离任日期" in str(exc.value)
    # A cadre may hold posts in several orgs.
    services.position_create(actor=admin, cadre=a, org=w.village_in, title=PositionTitle.SECRETARY)
    assert Position.objects.filter(cadre=a).count() == 2
    # After the secretary leaves, the post can be filled again.
    services.position_end(
        actor=admin, position=Position.objects.get(cadre=a, org=w.town_in), on=datetime.date(2014, 1, 1)
    )
    services.position_create(actor=admin, cadre=b, org=w.town_in, title=PositionTitle.SECRETARY)
    assert AuditEntry.objects.filter(action__startswith="orgs.position").count() == 4


def test_admin_manages_users_only_inside_subtree(scope_world):
    w = scope_world
    admin = w.users["admin_in"]
    user = services.user_create(
        actor=admin, username="xiangzhen", password="Village-pass-1", home_org=w.town_in
    )
    services.grant_create(actor=admin, user=user, org=w.village_in, role=Role.ENTRY)
    assert ScopeGrant.objects.filter(user=user).count() == 1
    with pytest.raises(PermissionDenied):
        services.grant_create(actor=admin, user=user, org=w.town_out, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=admin, username="outsider", password="Village-pass-1", home_org=w.county_out
        )
    assert not User.objects.filter(username="outsider").exists()
    assert ScopeGrant.objects.filter(user=user).count() == 1
    services.user_set_active(actor=admin, user=user, active=False)
    assert not User.objects.get(pk=user.pk).is_active
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"orgs.user.create", "orgs.grant.create", "orgs.user.disable"} <= actions


def test_entry_role_cannot_manage_users(scope_world):
    w = scope_world
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=w.users["entry_in"], username="x1", password="Village-pass-1", home_org=w.village_in
        )


def test_failed_service_leaves_no_audit(scope_world):
    w = scope_world
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.org_update(actor=w.users["admin_in"], org=w.town_in, data={"division_code": "340822"})
    assert AuditEntry.objects.count() == before
    assert Org.objects.get(pk=w.town_in.pk).division_code == "340822101"


def test_bulk_create_writes_audit_rows(db):
    from qingnong.orgs.bulk import OrgSpec, org_tree_bulk_create

    spec = OrgSpec(
        name="某市",
        level=OrgLevel.CITY,
        children=[
            OrgSpec(
                name=f"县{i}",
                level=OrgLevel.COUNTY,
                children=[OrgSpec(name=f"镇{i}-{j}", level=OrgLevel.TOWNSHIP) for j in range(3)],
            )
            for i in range(40)
        ],
    )
    created = org_tree_bulk_create(actor=SYSTEM, parent=None, specs=[spec])
    assert len(created) == 1 + 40 + 120
    assert Org.objects.find_problems() == ([], [], [], [], [])
    assert AuditEntry.objects.filter(action="orgs.org.create").count() == 161
    city = Org.objects.get(name="某市")
    assert city.children_orgs().count() == 40
    # treebeard keeps working on bulk-made trees.
    services.org_create(actor=SYSTEM, parent=city, name="新县", level=OrgLevel.COUNTY)
    assert Org.objects.find_problems() == ([], [], [], [], [])
