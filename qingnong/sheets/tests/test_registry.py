"""Kinds and job handlers are registered from the apps' ``AppConfig.ready()``, not found by importing."""

from __future__ import annotations

import dataclasses

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from qingnong.sheets.jobs import JOB_HANDLERS, handler_for
from qingnong.sheets.registry import definitions, register_sheets


def test_every_app_registers_its_kinds_in_app_order():
    by_app = [d.kind for d in definitions().values()]
    assert by_app == ["orgs", "cadres", "youth", "groups", "group_members", "activities"]
    labels = [c.label for c in apps.get_app_configs()]
    owners = [d.model._meta.app_label for d in definitions().values()]
    assert owners == sorted(owners, key=labels.index)


def test_a_kind_taken_by_another_definition_is_refused():
    cadres = definitions()["cadres"]
    register_sheets("orgs", [cadres])  # the same definition again is harmless
    assert definitions()["cadres"] is cadres
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        register_sheets("youth", [dataclasses.replace(definitions()["youth"], kind="cadres")])
    with pytest.raises(ImproperlyConfigured, match="SheetDefinition"):
        register_sheets("youth", ["youth"])
    assert definitions()["cadres"] is cadres


def test_the_sheets_job_kinds_are_known_from_the_start():
    assert {"sheets.import", "sheets.export", "sheets.list_export"} <= set(JOB_HANDLERS)
    assert handler_for("sheets.import").__name__ == "run_import_job"
    with pytest.raises(LookupError):
        handler_for("nope.kind")
