"""The built-in 入群 flow: a youth asks the account for their local 团青 group.

"入群 石牌镇" (or 加群 / 进群, or just a village name such as "新河村") → the live-code link of the matching
团青 group(s). When several orgs match, a short numbered list is sent and the choice is remembered for the
youth's openid for ``MP_PENDING_CHOICE_SECONDS``; the youth answers with the number.

The groups and live codes belong to the 三群 ledger (``qingnong.wxgroups``), which answers
``join_targets_for_text(text, limit=...)`` with ``JoinTarget``s (org_id, org_display, group_name, url).
"""

from __future__ import annotations

import json
import re
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from . import conf
from .matching import normalise_text
from .store import get_store

COMMAND = re.compile(r"^(?:入群|加群|进群|找群)\s*[:：]?\s*(.*)$")
# A bare message is looked up as a place only when it looks like one (keeps chatter off the database).
PLACE_SUFFIXES = ("村", "社区", "镇", "乡", "街道", "居委会", "组")
MAX_CHOICES = 9
LINKS_PER_ORG = 3
HELP = "请发送“入群+乡镇或村名”，如“入群 石牌镇”或“入群 新河村”，我们会把本地团青群的入群二维码链接发给您。"


def join_targets(text: str, limit: int) -> list[Any] | None:
    """The ledger's answer, or None while the ledger does not provide it yet."""
    if find_spec("qingnong.wxgroups.selectors") is None:
        return None
    module = import_module("qingnong.wxgroups.selectors")
    func = getattr(module, "join_targets_for_text", None)
    if func is None:
        return None
    return list(func(text, limit=limit))


def prefer_own_area(targets: list[Any] | None, org_path: str) -> list[Any] | None:
    """The targets inside the account's own area (a county account's villages), if any; else all of them
    (a youth may ask a neighbouring county's account). One query."""
    if not targets:
        return targets
    from qingnong.orgs.models import Org

    inside = set(
        Org.objects.filter(pk__in={t.org_id for t in targets}, path__startswith=org_path).values_list(
            "pk", flat=True
        )
    )
    own = [t for t in targets if t.org_id in inside]
    return own or targets


def _pending_key(account_id: int, openid: str) -> str:
    return f"pick:{account_id}:{openid}"


def _links_text(options: list[dict[str, Any]]) -> str:
    lines = [f"{options[0]['org_display']}的团青群，长按识别或点击链接入群："]
    for o in options[:LINKS_PER_ORG]:
        lines.append(f"{o['group_name']}：{o['url']}")
    return "\n".join(lines)


def reply_for_targets(account_id: int, openid: str, targets: list[Any]) -> dict[str, Any]:
    """One org → its links; several → a numbered list, remembered for the youth's answer."""
    by_org: dict[int, list[dict[str, Any]]] = {}
    for t in targets:
        by_org.setdefault(t.org_id, []).append(
            {"org_display": t.org_display, "group_name": t.group_name, "url": t.url}
        )
    if len(by_org) == 1:
        return {"type": "text", "text": _links_text(next(iter(by_org.values())))}
    choices = list(by_org.values())[:MAX_CHOICES]
    get_store().set(
        _pending_key(account_id, openid),
        json.dumps(choices, ensure_ascii=False),
        int(conf.get("MP_PENDING_CHOICE_SECONDS")),
    )
    lines = ["找到多个地方，请回复序号选择："]
    lines += [f"{i}. {group[0]['org_display']}" for i, group in enumerate(choices, start=1)]
    return {"type": "text", "text": "\n".join(lines)}


def join_reply(rt: Any, openid: str, text: str, *, builtin_only: bool) -> dict[str, Any] | None:
    """The 入群 reply to ``text``, or None when the text is not for this flow.

    ``builtin_only``: only the explicit forms (a pending number, "入群 …"), tried before keyword rules;
    otherwise a bare place name, tried after them.
    """
    norm = normalise_text(text)
    if builtin_only:
        if norm.isdigit() and len(norm) <= 2:
            raw = get_store().get(_pending_key(rt.account_id, openid))
            if raw is None:
                return None
            choices = json.loads(raw)
            index = int(norm) - 1
            if not 0 <= index < len(choices):
                return {"type": "text", "text": f"请回复 1 到 {len(choices)} 之间的序号。"}
            get_store().delete(_pending_key(rt.account_id, openid))
            return {"type": "text", "text": _links_text(choices[index])}
        match = COMMAND.match(norm)
        if match is None:
            return None
        place = match.group(1).strip()
        if not place:
            return {"type": "text", "text": HELP}
    else:
        place = norm
        if len(place) > 20 or " " in place or not place.endswith(PLACE_SUFFIXES):
            return None
    targets = prefer_own_area(join_targets(place, MAX_CHOICES * LINKS_PER_ORG), rt.org_path)
    if targets is None:
        return None if not builtin_only else {"type": "text", "text": "入群服务正在准备中，请稍后再试。"}
    if not targets:
        if not builtin_only:
            return None
        return {"type": "text", "text": f"没有找到“{place}”的团青群。{HELP}"}
    return reply_for_targets(rt.account_id, openid, targets)
