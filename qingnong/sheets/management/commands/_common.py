"""What both sheet commands share: --as USERNAME and --under ORG."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from qingnong.core.permissions import Action
from qingnong.core.system import SYSTEM


def actor_for(username: str | None) -> Any:
    """The user whose scope applies (``--as``), or the system actor."""
    if not username:
        return SYSTEM
    from qingnong.orgs.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"找不到启用中的用户“{username}”", returncode=2)
    return user


def org_for(text: str | None, actor: Any, action: str = Action.VIEW) -> Any:
    """``--under``: a division code, a path such as 怀宁县/石牌镇, or #id; inside the actor's scope."""
    if not text:
        return None
    from qingnong.orgs.models import Org
    from qingnong.orgs.selectors import org_resolve_path

    qs = Org.objects.restrict(actor, action)
    text = text.strip()
    if text.startswith("#") and text[1:].isdigit():
        org = qs.filter(pk=int(text[1:])).first()
    elif text.isdigit():
        org = qs.filter(division_code=text).first()
    else:
        org = org_resolve_path(text, queryset=qs)
    if org is None:
        raise CommandError(f"找不到组织“{text}”，或它不在您的管辖范围内", returncode=2)
    return org
