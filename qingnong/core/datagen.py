"""The demo and scale-data runners. Each app contributes a step.

``seed_demo`` calls ``qingnong.<app>.demo.seed_demo(ctx)`` and ``gen_scale`` calls
``qingnong.<app>.scale.gen_scale(ctx)`` for each app in ``DATA_APPS`` order, when the module exists.
Steps share what they created through ``ctx.shared`` (e.g. the orgs step leaves the cadres by org for
the groups step).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from typing import Any, TextIO

DATA_APPS = [
    "orgs",
    "youth",
    "wxgroups",
    "mp",
    "content",
    "activities",
    "campaign",
    "inspection",
    "dashboard",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉玲丹建国飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣雪琳晨"
    "阳佳颖婷倩琪瑶璐梦露婉晓文博宏志诚思远家乐子豪雨欣梓涵一鸣天宇嘉怡雅琴海燕春燕冬梅秋菊"
)
PHONE_PREFIXES = (
    "139",
    "138",
    "137",
    "136",
    "135",
    "158",
    "159",
    "151",
    "152",
    "187",
    "188",
    "182",
    "155",
    "156",
)


@dataclass
class DataContext:
    """What a data step needs: randomness with a fixed seed, today, output, and what earlier steps made."""

    seed: int
    profile: str
    stdout: TextIO
    today: datetime.date
    rng: random.Random = field(init=False)
    shared: dict[str, Any] = field(default_factory=dict)
    _phone_counter: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def person_name(self) -> str:
        given = self.rng.choice(GIVEN)
        if self.rng.random() < 0.6:
            given += self.rng.choice(GIVEN)
        return self.rng.choice(SURNAMES) + given[:2]

    def next_phone(self) -> str:
        """A unique, deterministic, plausible mobile number (the counter never repeats)."""
        self._phone_counter += 1
        prefix = PHONE_PREFIXES[self._phone_counter % len(PHONE_PREFIXES)]
        return f"{prefix}{self._phone_counter:08d}"


def run_steps(kind: str, ctx: DataContext) -> None:
    """Run each app's ``demo.seed_demo`` or ``scale.gen_scale`` in order."""
    module_name, func_name = ("demo", "seed_demo") if kind == "demo" else ("scale", "gen_scale")
    for app in DATA_APPS:
        full = f"qingnong.{app}.{module_name}"
        if find_spec(full) is None:
            continue
        func = getattr(import_module(full), func_name, None)
        if func is not None:
            func(ctx)
