"""Roles and the actions each role allows.

A role is granted on an org by a ``ScopeGrant`` and holds for that org's whole subtree
(Wagtail-style). Every scoped queryset asks ``.restrict(user, action)``; the action names
here are the only vocabulary for that question.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    ENTRY = "entry", _("填报员")
    INSPECTOR = "inspector", _("督查员")
    EDITOR = "editor", _("编辑")
    VIEWER = "viewer", _("查看")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    ADD = "add", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
    EXPORT = "export", _("导出")
    VIEW_PERSONAL = "view_personal", _("查看个人信息")
    MANAGE_USERS = "manage_users", _("管理用户")
    SCORE = "score", _("督查评分")
    PUBLISH = "publish", _("内容发布")
    CONFIGURE = "configure", _("配置")


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            Action.VIEW,
            Action.ADD,
            Action.CHANGE,
            Action.DELETE,
            Action.EXPORT,
            Action.VIEW_PERSONAL,
            Action.MANAGE_USERS,
            Action.SCORE,
            Action.PUBLISH,
            Action.CONFIGURE,
        }
    ),
    # Data entry needs the phone numbers it types in, to recognise duplicates.
    Role.ENTRY: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.EXPORT, Action.VIEW_PERSONAL}),
    Role.INSPECTOR: frozenset({Action.VIEW, Action.EXPORT, Action.SCORE}),
    Role.EDITOR: frozenset({Action.VIEW, Action.EXPORT, Action.PUBLISH}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


def roles_allowing(action: str) -> list[str]:
    """The roles whose grant lets a user perform ``action``."""
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]
