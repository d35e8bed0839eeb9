"""Load the Anqing demo (idempotent) and print the demo logins."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from qingnong.core.datagen import DataContext, run_steps


class Command(BaseCommand):
    help = "载入安庆演示数据（可重复执行：已存在的数据不会改变），并打印各级演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2014, help="随机种子（默认 2014）")

    def handle(self, *args, **opts):
        ctx = DataContext(seed=opts["seed"], profile="demo", stdout=self.stdout, today=timezone.localdate())
        run_steps("demo", ctx)
        from qingnong.orgs.demo import DEMO_PASSWORD, demo_logins

        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, org in demo_logins():
            self.stdout.write(f"  {username:<10} {role:<4} {org}")
