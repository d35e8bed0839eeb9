"""The audit actions: every dotted action an audit entry may carry, declared once with its Chinese label.

Each app declares its own actions (``<app>.<entity>.<verb>``) in ``<app>/audit_actions.py`` as
``ACTIONS = {"orgs.org.move": "移动组织", …}`` and hands them to ``declare_actions`` from its
``AppConfig.ready()``; core declares its own the same way and imports no app. ``audit_record``,
``audit_rows`` and ``audit_bulk`` refuse an action nobody declared, so that a typo or a new action without
a label fails in the first test that writes it rather than leaving an unreadable trail. The audit list's
filter and the history panels show the labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class AuditAction:
    """One declared action: its dotted name, its Chinese label and the app that declared it."""

    name: str
    label: str
    app_label: str


class UndeclaredAuditAction(RuntimeError):
    """An audit entry was about to be written with an action no app declared (a programming error)."""


_ACTIONS: dict[str, AuditAction] = {}
ACTIONS = {"core.export.personal": "导出个人信息"}


def declare_actions(app_label: str, actions: Mapping[str, str]) -> None:
    """Declare ``app_label``'s actions (name → Chinese label). Each name starts with ``app_label.``;
    declaring the same name again with another label is an error (two apps, or a copy-paste)."""
    for name, label in actions.items():
        if not name.startswith(f"{app_label}.") or not all(name.split(".")):
            raise ImproperlyConfigured(f"audit action {name!r} must be dotted and start with '{app_label}.'")
        if not str(label).strip():
            raise ImproperlyConfigured(f"audit action {name!r} needs a Chinese label")
        known = _ACTIONS.get(name)
        if known is not None and known.label != label:
            raise ImproperlyConfigured(f"audit action {name!r} is declared twice ({known.label} / {label})")
        _ACTIONS[name] = AuditAction(name, str(label), app_label)


def _declaring_module(name: str) -> str:
    """Where ``name`` belongs: the audit_actions.py of the app its first part names."""
    app_label = name.split(".", 1)[0]
    try:
        package = apps.get_app_config(app_label).name
    except LookupError:
        package = f"qingnong.{app_label}"
    return f"{package.replace('.', '/')}/audit_actions.py"


def require_declared(name: str) -> None:
    """Refuse an undeclared action, naming it and the file where it is to be declared."""
    if name not in _ACTIONS:
        raise UndeclaredAuditAction(
            f"audit action {name!r} is not declared: add it with its Chinese label to ACTIONS in "
            f"{_declaring_module(name)} (declared from the app's AppConfig.ready() through "
            f"qingnong.core.audit_actions.declare_actions)"
        )


def is_declared(name: str) -> bool:
    return name in _ACTIONS


def action_label(name: str) -> str:
    """The Chinese label of an action; an entry written before its action was declared shows its name."""
    found = _ACTIONS.get(name)
    return found.label if found is not None else name


def declared_actions() -> list[AuditAction]:
    """Every declared action, by app (in INSTALLED_APPS order) then name."""
    order = {config.label: i for i, config in enumerate(apps.get_app_configs())}
    return sorted(_ACTIONS.values(), key=lambda a: (order.get(a.app_label, len(order)), a.name))


def action_choices() -> list[tuple[str, str] | tuple[str, list[tuple[str, str]]]]:
    """Choices for a filter: 全部, then per app (its verbose name) "全部" as the prefix ``app.`` and each
    action by its label."""
    choices: list[tuple[str, str] | tuple[str, list[tuple[str, str]]]] = [("", "全部")]
    groups: dict[str, list[tuple[str, str]]] = {}
    for action in declared_actions():
        groups.setdefault(action.app_label, []).append((action.name, action.label))
    for app_label, items in groups.items():
        verbose = str(apps.get_app_config(app_label).verbose_name)
        choices.append((verbose, [(f"{app_label}.", f"{verbose}：全部"), *items]))
    return choices
