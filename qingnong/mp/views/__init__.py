"""Pages of the official-account app, declared over the generic scoped views, and the callback endpoint;
one module per concern (``callback``, ``accounts``, ``followers``, ``replies``, ``qrcodes``, ``posts``).
``urls.py``, the fast WSGI entry and the panels import the names from here."""

from __future__ import annotations

from .accounts import (
    AccountCreateView,
    AccountDetailView,
    AccountEditView,
    AccountListView,
    AccountSecretsView,
    AdminAddView,
    AdminRemoveView,
)
from .callback import wechat_callback
from .followers import (
    AccountFollowerListView,
    OrgFollowsView,
    OrgRecruitmentView,
    cadre_follow_panel,
    follow_bind,
    follow_confirm,
    follow_withdraw,
    my_follows,
    org_accounts_panel,
)
from .posts import (
    PostApproveView,
    PostCreateView,
    PostDeleteView,
    PostDetailView,
    PostEditView,
    PostListView,
    PostPublishView,
    PostRecordView,
    PostReturnView,
    PostSubmitView,
)
from .qrcodes import JobDetailView, PosterView, QrCodeListView, QrGenerateView
from .replies import MenuEditView, MenuPushView, RuleCreateView, RuleDeleteView, RuleEditView, RuleListView

__all__ = [
    "AccountCreateView",
    "AccountDetailView",
    "AccountEditView",
    "AccountFollowerListView",
    "AccountListView",
    "AccountSecretsView",
    "AdminAddView",
    "AdminRemoveView",
    "JobDetailView",
    "MenuEditView",
    "MenuPushView",
    "OrgFollowsView",
    "OrgRecruitmentView",
    "PostApproveView",
    "PostCreateView",
    "PostDeleteView",
    "PostDetailView",
    "PostEditView",
    "PostListView",
    "PostPublishView",
    "PostRecordView",
    "PostReturnView",
    "PostSubmitView",
    "PosterView",
    "QrCodeListView",
    "QrGenerateView",
    "RuleCreateView",
    "RuleDeleteView",
    "RuleEditView",
    "RuleListView",
    "cadre_follow_panel",
    "follow_bind",
    "follow_confirm",
    "follow_withdraw",
    "my_follows",
    "org_accounts_panel",
    "wechat_callback",
]
