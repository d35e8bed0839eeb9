"""Generate city- or province-scale data for benchmarks, deterministic for a seed."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from qingnong.core.datagen import DataContext, run_steps


class Command(BaseCommand):
    help = "生成规模测试数据：city ≈ 5 千个组织，province ≈ 5 万个组织（16 个市），批量写入，同一种子结果相同"

    def add_arguments(self, parser):
        parser.add_argument("--profile", choices=["city", "province"], required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts):
        started = time.perf_counter()
        ctx = DataContext(
            seed=opts["seed"], profile=opts["profile"], stdout=self.stdout, today=timezone.localdate()
        )
        run_steps("scale", ctx)
        self.stdout.write(f"完成，用时 {time.perf_counter() - started:.1f} 秒")
