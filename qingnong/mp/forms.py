"""Forms of the official-account app: they check the shape of input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from qingnong.core.forms import FilterForm, OrgChoiceField, ScopedForm
from qingnong.core.permissions import Action
from qingnong.core.scoping import subtree_q
from qingnong.orgs.models import Cadre

from .choices import (
    AccountKind,
    AdminKind,
    MatchType,
    MessageMode,
    PostCategory,
    PostStatus,
    ReplyType,
    RuleKind,
)
from .models import OfficialAccount

BLANK = [("", "全部")]
SECRET_HELP = "加密保存，保存后不再显示；留空表示不更换"


def _secret(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=SECRET_HELP,
    )


class AccountForm(ScopedForm):
    org_action = Action.CONFIGURE
    org = OrgChoiceField(label="主办组织（县级及以上）")
    name = forms.CharField(
        label="公众号名称", max_length=60, help_text="市级及以上应为“青农”＋简称，如“青农安庆”"
    )
    kind = forms.ChoiceField(label="类型", choices=AccountKind.choices)
    original_id = forms.CharField(label="原始ID", max_length=32, required=False)
    app_id = forms.CharField(label="AppID", max_length=32, required=False)
    message_mode = forms.ChoiceField(
        label="消息加解密方式", choices=MessageMode.choices, initial=MessageMode.SAFE
    )
    api_enabled = forms.BooleanField(label="具备接口权限（已认证）", required=False)
    is_external = forms.BooleanField(label="外部公众号（不由本平台托管）", required=False)
    recommended = forms.BooleanField(label="推荐团干部关注（R8）", required=False)
    posts_per_week = forms.IntegerField(label="每周发布目标（篇）", min_value=1, max_value=50, initial=2)
    default_thumb_media_id = forms.CharField(label="默认封面素材 media_id", max_length=128, required=False)
    reminder_template_id = forms.CharField(
        label="提醒模板ID",
        max_length=64,
        required=False,
        help_text="在公众号后台“模板消息”中选用一个待办/工作提醒类模板，复制其模板ID；"
        "填写后，已绑定微信的团干部会在微信中收到平台的提醒",
    )
    reminder_template_keys = forms.CharField(
        label="提醒模板字段",
        max_length=200,
        required=False,
        initial="thing1,thing2,time3",
        help_text="模板详情中的字段名，按顺序以逗号分隔（去掉 .DATA）："
        "thing 依次填标题、内容、组织，time 填时间",
    )
    app_secret = _secret("AppSecret")
    token = _secret("Token（令牌）")
    encoding_aes_key = _secret("EncodingAESKey（消息加解密密钥）")
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.instance_obj
        if account is not None:
            # Secrets are changed on their own page; the org of an account does not move.
            for name in ("app_secret", "token", "encoding_aes_key"):
                del self.fields[name]
            self.fields["org"].disabled = True
            self.initial["org"] = account.org
            if not self.is_bound:
                for name in self.fields:
                    self.initial[name] = getattr(account, name)
        else:
            del self.fields["is_active"]


class SecretsForm(ScopedForm):
    app_secret = _secret("AppSecret")
    token = _secret("Token（令牌）")
    encoding_aes_key = _secret("EncodingAESKey（消息加解密密钥）")


class AdminForm(ScopedForm):
    cadre = forms.CharField(label="团干部（姓名或手机号）", max_length=50)
    kind = forms.ChoiceField(label="类别", choices=AdminKind.choices)

    def clean_cadre(self) -> Cadre:
        text = self.cleaned_data["cadre"].strip()
        account: OfficialAccount = self.instance_obj
        qs = (
            Cadre.objects.restrict(self.user, Action.VIEW)
            .filter(subtree_q("org__path", account.org.path), is_active=True)
            .filter(Q(name=text) | Q(phone=text))
            .select_related("org")
        )
        found = list(qs[:5])
        if not found:
            raise forms.ValidationError(f"在“{account.org.name}”范围内找不到在任团干部“{text}”")
        if len(found) > 1:
            raise forms.ValidationError(f"有多名名为“{text}”的团干部，请改填手机号")
        return found[0]


def _articles_text(articles: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(
            [a.get("title", ""), a.get("url", ""), a.get("image", ""), a.get("description", "")]
        ).rstrip(" |")
        for a in articles or []
    )


class RuleForm(ScopedForm):
    kind = forms.ChoiceField(label="类别", choices=RuleKind.choices)
    name = forms.CharField(label="规则名称", max_length=60)
    match_type = forms.ChoiceField(label="匹配方式", choices=MatchType.choices, initial=MatchType.CONTAINS)
    keywords = forms.CharField(
        label="关键词",
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text="每行一个；正则方式只写一行",
    )
    event_key = forms.CharField(label="菜单 key（菜单点击回复）", max_length=128, required=False)
    priority = forms.IntegerField(label="优先级（大的先匹配）", initial=0)
    reply_type = forms.ChoiceField(label="回复类型", choices=ReplyType.choices)
    reply_text = forms.CharField(label="回复文字", required=False, widget=forms.Textarea({"rows": 4}))
    articles = forms.CharField(
        label="图文（每行一篇：标题 | 链接 | 图片地址 | 描述）",
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.instance_obj
        if rule is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(rule, name)
            self.initial["articles"] = _articles_text(rule.articles)

    def clean_articles(self) -> list[dict[str, str]]:
        rows = []
        for line in self.cleaned_data.get("articles", "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")] + ["", "", "", ""]
            rows.append({"title": parts[0], "url": parts[1], "image": parts[2], "description": parts[3]})
        return rows


MENU_TYPES = [("click", "点击（回复消息）"), ("view", "跳转网页")]


class MenuForm(ScopedForm):
    """Three top buttons, each either an item itself or up to five sub items; ``value`` is the click key or
    the page URL."""

    def __init__(self, *args: Any, buttons: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buttons = buttons or []
        self.grid: list[dict[str, Any]] = []
        for i in range(3):
            top = buttons[i] if i < len(buttons) else {}
            subs = top.get("sub_button", []) if isinstance(top, dict) else []
            row: dict[str, Any] = {"top": self._item_fields(f"b{i}", top), "subs": []}
            for j in range(5):
                sub = subs[j] if j < len(subs) else {}
                row["subs"].append(self._item_fields(f"b{i}s{j}", sub))
            self.grid.append(row)

    def _item_fields(self, prefix: str, item: dict[str, Any]) -> dict[str, Any]:
        # Lengths are WeChat's byte limits, checked (in Chinese) by the service.
        self.fields[f"{prefix}_name"] = forms.CharField(
            label="名称", required=False, max_length=100, widget=forms.TextInput({"placeholder": "名称"})
        )
        self.fields[f"{prefix}_type"] = forms.ChoiceField(label="类型", choices=MENU_TYPES, required=False)
        self.fields[f"{prefix}_value"] = forms.CharField(
            label="key 或网址",
            required=False,
            max_length=1024,
            widget=forms.TextInput({"placeholder": "key 或网址"}),
        )
        if not self.is_bound and item:
            self.initial[f"{prefix}_name"] = item.get("name", "")
            self.initial[f"{prefix}_type"] = item.get("type", "click")
            self.initial[f"{prefix}_value"] = item.get("key") or item.get("url") or ""
        return {
            "name": self[f"{prefix}_name"],
            "type": self[f"{prefix}_type"],
            "value": self[f"{prefix}_value"],
        }

    def buttons(self) -> list[dict[str, Any]]:
        data = self.cleaned_data

        def item(prefix: str) -> dict[str, Any]:
            kind = data.get(f"{prefix}_type") or "click"
            out = {"name": data.get(f"{prefix}_name", ""), "type": kind}
            out["key" if kind == "click" else "url"] = data.get(f"{prefix}_value", "")
            return out

        result = []
        for i in range(3):
            subs = [item(f"b{i}s{j}") for j in range(5) if data.get(f"b{i}s{j}_name")]
            if not data.get(f"b{i}_name") and not subs:
                continue
            if subs:
                result.append({"name": data.get(f"b{i}_name", ""), "sub_button": subs})
            else:
                result.append(item(f"b{i}"))
        return result


class QrGenerateForm(ScopedForm):
    root = OrgChoiceField(label="为哪个组织及其下级生成（含其团干部）")


class PostForm(ScopedForm):
    account = forms.ModelChoiceField(label="公众号", queryset=OfficialAccount.objects.none())
    title = forms.CharField(label="标题", max_length=64)
    category = forms.ChoiceField(label="栏目", choices=PostCategory.choices)
    author_name = forms.CharField(label="署名", max_length=16, required=False)
    digest = forms.CharField(label="摘要", max_length=120, required=False)
    content = forms.CharField(label="正文", required=False, widget=forms.Textarea({"rows": 10}))
    source_url = forms.URLField(label="原文链接", required=False, max_length=500)
    thumb_media_id = forms.CharField(label="封面素材 media_id", max_length=128, required=False)
    scheduled_at = forms.DateTimeField(
        label="计划发布时间",
        required=False,
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, initial_account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            OfficialAccount.objects.restrict(self.user, Action.PUBLISH).served().select_related("org")
        )
        post = self.instance_obj
        if post is not None:
            field.disabled = True
            self.initial["account"] = post.account
            if not self.is_bound:
                for name in self.fields:
                    self.initial[name] = getattr(post, name)
        elif initial_account is not None and not self.is_bound:
            self.initial["account"] = initial_account


class CommentForm(ScopedForm):
    comment = forms.CharField(
        label="审核意见", max_length=300, required=False, widget=forms.Textarea({"rows": 3})
    )


class ExternalPublishForm(ScopedForm):
    url = forms.CharField(label="文章链接（https://mp.weixin.qq.com/…）", max_length=500)
    published_at = forms.DateTimeField(
        label="发布时间（默认现在）",
        required=False,
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class AccountFilterForm(FilterForm):
    q = forms.CharField(label="名称")
    under = OrgChoiceField(label="所属范围")


class PostFilterForm(FilterForm):
    q = forms.CharField(label="标题")
    status = forms.ChoiceField(label="状态", choices=BLANK + PostStatus.choices)
    category = forms.ChoiceField(label="栏目", choices=BLANK + PostCategory.choices)


class FollowerFilterForm(FilterForm):
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), ("subscribed", "关注中"), ("unsubscribed", "已取消")]
    )
