from django.core.management.base import BaseCommand, CommandError

from qingnong.api.models import ApiToken
from qingnong.api.services import api_token_revoke


class Command(BaseCommand):
    help = "撤销 API 令牌（按前缀，或撤销某用户的全部令牌）"

    def add_arguments(self, parser):
        parser.add_argument("prefix", nargs="?", help="令牌前缀（qn_ 之后的 8 位）")
        parser.add_argument("--user", help="撤销该用户的全部令牌")

    def handle(self, *args, **opts):
        qs = ApiToken.objects.filter(revoked_at__isnull=True).select_related("user")
        if opts["user"]:
            qs = qs.filter(user__username=opts["user"])
        elif opts["prefix"]:
            qs = qs.filter(prefix=opts["prefix"].removeprefix("qn_")[:8])
        else:
            raise CommandError("请给出令牌前缀或 --user")
        tokens = list(qs)
        if not tokens:
            raise CommandError("没有找到有效的令牌")
        for token in tokens:
            api_token_revoke(actor=token.user, token=token)
        self.stdout.write(f"已撤销 {len(tokens)} 个令牌")
