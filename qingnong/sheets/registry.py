"""The importable kinds: discovered from ``qingnong/<app>/sheets.py`` (``SHEETS = [...]``) of every app."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from .definitions import SheetDefinition

_REGISTRY: dict[str, SheetDefinition] | None = None


def _discover() -> dict[str, SheetDefinition]:
    found: dict[str, SheetDefinition] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("qingnong.") or config.name == "qingnong.sheets":
            continue
        module_name = f"{config.name}.sheets"
        if find_spec(module_name) is None:
            continue
        module = import_module(module_name)
        for definition in getattr(module, "SHEETS", []):
            if not isinstance(definition, SheetDefinition):
                raise ImproperlyConfigured(f"{module_name}.SHEETS must hold SheetDefinition objects")
            if definition.kind in found:
                raise ImproperlyConfigured(f"sheet kind {definition.kind!r} is declared twice")
            found[definition.kind] = definition
    return found


def definitions() -> dict[str, SheetDefinition]:
    """Every kind by name, in app order."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _discover()
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
