from django.core.management.base import BaseCommand, CommandError

from qingnong.api.services import api_token_create
from qingnong.orgs.models import User


class Command(BaseCommand):
    help = "为用户创建个人 API 令牌（令牌只显示这一次）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="用途说明")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认长期有效）")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"用户不存在：{opts['username']}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{opts['username']}")
        # The command runs with the server's authority: record it as the user's own action.
        token, raw = api_token_create(actor=user, user=user, name=opts["name"], days=opts["days"])
        self.stdout.write(raw)
        self.stderr.write(f"已创建令牌 {token.prefix}…（请妥善保存，之后不再显示）")
