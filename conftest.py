"""Fixtures shared by every app's tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scope_world(db: Any) -> Any:
    from qingnong.core.testing import build_world

    return build_world()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "endpoint" in metafunc.fixturenames and metafunc.cls is not None:
        endpoints = getattr(metafunc.cls, "endpoints", [])
        metafunc.parametrize("endpoint", endpoints, ids=[e.name for e in endpoints])
