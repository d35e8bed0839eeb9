"""The importable kinds: each app registers its ``SHEETS`` from its own ``AppConfig.ready()``.

    def ready(self) -> None:
        from qingnong.sheets.registry import register_sheets

        from .sheets import SHEETS

        register_sheets(self.label, SHEETS)

The sheets app imports no domain app: the kinds reach it through this call, in the order the apps are
installed (which is the order of the import page).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

from .definitions import SheetDefinition

_REGISTRY: dict[str, SheetDefinition] = {}


def register_sheets(app_label: str, sheets: Iterable[SheetDefinition]) -> None:
    """Make ``app_label``'s kinds importable (and exportable). Registering the same definition again is
    harmless; another definition under a kind already taken is an error."""
    for definition in sheets:
        if not isinstance(definition, SheetDefinition):
            raise ImproperlyConfigured(f"{app_label}: SHEETS must hold SheetDefinition objects")
        known = _REGISTRY.get(definition.kind)
        if known is not None and known is not definition:
            raise ImproperlyConfigured(f"sheet kind {definition.kind!r} is declared twice")
        _REGISTRY[definition.kind] = definition


def definitions() -> dict[str, SheetDefinition]:
    """Every kind by name, in app order."""
    return _REGISTRY


def get_definition(kind: str) -> SheetDefinition:
    """The definition of ``kind``; ``KeyError`` naming the known kinds otherwise."""
    found = definitions().get(kind)
    if found is None:
        raise KeyError(f"未知的导入类型“{kind}”，可用：{'、'.join(definitions()) or '无'}")
    return found


def definition_for_model(model: type) -> SheetDefinition | None:
    for definition in definitions().values():
        if definition.model is model:
            return definition
    return None
