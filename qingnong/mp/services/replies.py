"""Automatic replies (keyword, subscribe, menu-click, default rules) and the custom menu. Every change is
audited and tells the callback of every process to reload the account's rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited

from ..choices import MatchType, ReplyType, RuleKind
from ..client import MpClient, WeChatAPIError, client_for
from ..matching import validate_regex
from ..models import Menu, OfficialAccount, ReplyRule
from ..runtime import invalidate_runtime

MAX_TEXT_REPLY = 600
MAX_ARTICLES = 8


# --- automatic replies ----------------------------------------------------------------------

RULE_FIELDS = (
    "kind",
    "name",
    "match_type",
    "keywords",
    "event_key",
    "priority",
    "reply_type",
    "reply_text",
    "articles",
    "is_active",
)


def _http_url(value: str) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_rule(rule: ReplyRule) -> None:
    errors: dict[str, str] = {}
    if rule.kind == RuleKind.KEYWORD:
        if rule.match_type == MatchType.REGEX:
            try:
                validate_regex(rule.keywords)
            except Exception as exc:
                errors["keywords"] = "；".join(getattr(exc, "messages", [str(exc)]))
        elif not rule.keyword_list():
            errors["keywords"] = "请至少填写一个关键词"
        elif any(len(k) > 30 for k in rule.keyword_list()):
            errors["keywords"] = "每个关键词最多 30 个字"
    if rule.kind == RuleKind.CLICK and not rule.event_key.strip():
        errors["event_key"] = "菜单点击回复须填写菜单 key"
    if rule.reply_type == ReplyType.TEXT:
        if not rule.reply_text.strip():
            errors["reply_text"] = "请填写回复文字"
        elif len(rule.reply_text) > MAX_TEXT_REPLY:
            errors["reply_text"] = f"回复文字最多 {MAX_TEXT_REPLY} 字"
    else:
        articles = rule.articles if isinstance(rule.articles, list) else []
        if not articles:
            errors["articles"] = "图文回复至少需要一篇图文"
        elif len(articles) > MAX_ARTICLES:
            errors["articles"] = f"图文回复最多 {MAX_ARTICLES} 篇"
        else:
            for i, article in enumerate(articles, start=1):
                if not isinstance(article, dict) or not str(article.get("title", "")).strip():
                    errors["articles"] = f"第 {i} 篇图文缺少标题"
                    break
                if not _http_url(str(article.get("url", ""))):
                    errors["articles"] = f"第 {i} 篇图文的链接不是 http(s) 网址"
                    break
                if article.get("image") and not _http_url(str(article["image"])):
                    errors["articles"] = f"第 {i} 篇图文的图片地址不是 http(s) 网址"
                    break
    if errors:
        raise RuleError(errors, code="invalid_rule")


def _rule_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for key in ("name", "keywords", "event_key", "reply_text"):
        if key in data and data[key] is not None:
            data[key] = str(data[key]).strip()
    return data


@transaction.atomic
def rule_create(*, actor: Any, account: OfficialAccount, **data: Any) -> ReplyRule:
    """Add an automatic reply; the callback of every process picks it up within ``MP_RUNTIME_TTL``."""
    require_org_scope(actor, Action.PUBLISH, account.org)
    data = _rule_data(data)
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    rule = ReplyRule(account=account, **data)
    _check_rule(rule)
    rule = save_audited(actor=actor, obj=rule, action="mp.rule.create", before=None)
    transaction.on_commit(lambda: invalidate_runtime(account.callback_key))
    return rule


@transaction.atomic
def rule_update(*, actor: Any, rule: ReplyRule, data: dict[str, Any]) -> ReplyRule:
    require_org_scope(actor, Action.PUBLISH, rule.account.org)
    before = snapshot(rule)
    changed = apply_fields(rule, _rule_data(data), RULE_FIELDS)
    _check_rule(rule)
    rule = save_audited(actor=actor, obj=rule, action="mp.rule.update", before=before, update_fields=changed)
    key = rule.account.callback_key
    transaction.on_commit(lambda: invalidate_runtime(key))
    return rule


@transaction.atomic
def rule_delete(*, actor: Any, rule: ReplyRule) -> None:
    require_org_scope(actor, Action.PUBLISH, rule.account.org)
    key = rule.account.callback_key
    audit_record(actor=actor, action="mp.rule.delete", obj=rule, before=snapshot(rule), after=None)
    rule.delete()
    transaction.on_commit(lambda: invalidate_runtime(key))


# --- menu -----------------------------------------------------------------------------------

MENU_TOP = 3
MENU_SUB = 5


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def clean_menu(buttons: Any) -> list[dict[str, Any]]:
    """Check a menu against WeChat's limits and return it in the API's shape.

    Top buttons: at most 3, name ≤ 16 bytes (4 汉字); items: at most 5 each, name ≤ 60 bytes; a button
    without items is itself a click (key ≤ 128 bytes) or view (http(s) URL ≤ 1024 bytes).
    """
    errors: list[str] = []
    if not isinstance(buttons, list) or not buttons:
        raise RuleError({"buttons": "菜单至少需要一个按钮"}, code="invalid_menu")
    if len(buttons) > MENU_TOP:
        raise RuleError({"buttons": f"一级菜单最多 {MENU_TOP} 个"}, code="invalid_menu")

    def leaf(item: dict[str, Any], where: str, name_limit: int) -> dict[str, Any]:
        name = str(item.get("name", "")).strip()
        kind = str(item.get("type", "")).strip()
        out: dict[str, Any] = {"name": name, "type": kind}
        if not name:
            errors.append(f"{where}缺少名称")
        elif _utf8_len(name) > name_limit:
            errors.append(f"{where}“{name}”名称过长（最多 {name_limit // 4} 个汉字）")
        if kind == "click":
            key = str(item.get("key", "")).strip()
            if not key or _utf8_len(key) > 128:
                errors.append(f"{where}“{name}”的 key 须填写且不超过 128 字节")
            out["key"] = key
        elif kind == "view":
            url = str(item.get("url", "")).strip()
            if not _http_url(url) or _utf8_len(url) > 1024:
                errors.append(f"{where}“{name}”的链接须为 http(s) 网址（不超过 1024 字节）")
            out["url"] = url
        else:
            errors.append(f"{where}“{name}”的类型须为点击（click）或链接（view）")
        return out

    result = []
    for i, button in enumerate(buttons, start=1):
        where = f"第 {i} 个一级菜单"
        if not isinstance(button, dict):
            errors.append(f"{where}格式有误")
            continue
        subs = [
            s
            for s in button.get("sub_button") or []
            if isinstance(s, dict) and str(s.get("name", "")).strip()
        ]
        if subs:
            name = str(button.get("name", "")).strip()
            if not name:
                errors.append(f"{where}缺少名称")
            elif _utf8_len(name) > 16:
                errors.append(f"{where}“{name}”名称过长（最多 4 个汉字）")
            if len(subs) > MENU_SUB:
                errors.append(f"{where}“{name}”的子菜单最多 {MENU_SUB} 个")
            result.append(
                {
                    "name": name,
                    "sub_button": [leaf(s, f"{where}的第 {j} 个子菜单", 60) for j, s in enumerate(subs, 1)],
                }
            )
        else:
            result.append(leaf(button, where, 16))
    if errors:
        raise RuleError({"buttons": "；".join(errors)}, code="invalid_menu")
    return result


@transaction.atomic
def menu_save(*, actor: Any, account: OfficialAccount, buttons: Any) -> Menu:
    require_org_scope(actor, Action.PUBLISH, account.org)
    cleaned = clean_menu(buttons)
    menu = Menu.objects.select_for_update().filter(account=account).first()
    before = snapshot(menu)
    if menu is None:
        menu = Menu(account=account)
    menu.buttons = cleaned
    menu.updated_at = timezone.now()
    return save_audited(actor=actor, obj=menu, action="mp.menu.save", before=before)


def menu_push(*, actor: Any, account: OfficialAccount, client: MpClient | None = None) -> Menu:
    """Push the saved menu to WeChat (``menu/create``); a refusal is recorded and shown in Chinese."""
    require_org_scope(actor, Action.PUBLISH, account.org)
    menu = Menu.objects.filter(account=account).first()
    if menu is None or not menu.buttons:
        raise RuleError("请先保存菜单", code="no_menu")
    if not account.api_enabled or account.is_external:
        raise RuleError(f"“{account.name}”没有接口权限，请在公众平台后台手工设置菜单", code="no_api")
    try:
        (client or client_for(account)).menu_create(menu.buttons)
    except WeChatAPIError as exc:
        with transaction.atomic():
            Menu.objects.filter(pk=menu.pk).update(push_error=str(exc)[:300])
        raise RuleError(f"菜单推送失败：{exc}", code="wechat_error") from None
    with transaction.atomic():
        before = snapshot(menu)
        menu.pushed_at = timezone.now()
        menu.push_error = ""
        menu.save(update_fields=["pushed_at", "push_error"])
        audit_record(actor=actor, action="mp.menu.push", obj=menu, before=before, after=snapshot(menu))
    return menu
