"""Fixtures of the official-account tests: a fake WeChat over HTTP, accounts with known secrets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from qingnong.core.system import SYSTEM

from .fakewechat import FakeWeChat

APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "qingnongToken2014"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ORIGINAL_ID = "gh_0123456789ab"


@dataclass
class Creds:
    app_id: str = APP_ID
    app_secret: str = APP_SECRET
    token: str = TOKEN
    aes_key: str = AES_KEY
    original_id: str = ORIGINAL_ID


@pytest.fixture(autouse=True)
def _fresh_runtimes() -> Iterator[None]:
    from qingnong.mp import runtime

    runtime._RUNTIMES.clear()
    yield
    runtime._RUNTIMES.clear()


@pytest.fixture
def fake_wechat(settings: Any) -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    fake.register(APP_ID, APP_SECRET)
    settings.MP_API_BASE_URL = fake.url
    yield fake
    fake.stop()


def make_account(
    org: Any, *, mode: str = "safe", api: bool = True, creds: Creds | None = None, **kw: Any
) -> Any:
    from qingnong.mp.services import account_create

    creds = creds or Creds()
    return account_create(
        actor=SYSTEM,
        org=org,
        name=kw.pop("name", f"{org.name}青年"),
        app_id=creds.app_id,
        original_id=creds.original_id,
        app_secret=creds.app_secret,
        token=creds.token,
        encoding_aes_key=creds.aes_key,
        message_mode=mode,
        api_enabled=api,
        **kw,
    )


@pytest.fixture
def account(scope_world: Any) -> Any:
    """A served account of the county inside the admin's scope (怀宁), in safe mode with API rights."""
    return make_account(scope_world.county_in)
