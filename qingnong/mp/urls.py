from django.urls import path

from . import views

app_name = "mp"

urlpatterns = [
    path("mp/", views.AccountListView.as_view(), name="account_list"),
    path("mp/accounts/add/", views.AccountCreateView.as_view(), name="account_add"),
    path("mp/accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("mp/accounts/<int:pk>/edit/", views.AccountEditView.as_view(), name="account_edit"),
    path("mp/accounts/<int:pk>/secrets/", views.AccountSecretsView.as_view(), name="account_secrets"),
    path("mp/accounts/<int:pk>/admins/add/", views.AdminAddView.as_view(), name="admin_add"),
    path("mp/admins/<int:pk>/remove/", views.AdminRemoveView.as_view(), name="admin_remove"),
    path("mp/accounts/<int:pk>/followers/", views.AccountFollowerListView.as_view(), name="follower_list"),
    path("mp/accounts/<int:pk>/rules/", views.RuleListView.as_view(), name="rule_list"),
    path("mp/accounts/<int:pk>/rules/add/", views.RuleCreateView.as_view(), name="rule_add"),
    path("mp/rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("mp/rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("mp/accounts/<int:pk>/menu/", views.MenuEditView.as_view(), name="menu_edit"),
    path("mp/accounts/<int:pk>/menu/push/", views.MenuPushView.as_view(), name="menu_push"),
    path("mp/accounts/<int:pk>/qrcodes/", views.QrCodeListView.as_view(), name="qrcode_list"),
    path("mp/accounts/<int:pk>/qrcodes/generate/", views.QrGenerateView.as_view(), name="qrcode_generate"),
    path("mp/qrcodes/<int:pk>/poster/", views.PosterView.as_view(), name="qrcode_poster"),
    path("mp/jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("mp/posts/", views.PostListView.as_view(), name="post_list"),
    path("mp/posts/add/", views.PostCreateView.as_view(), name="post_add"),
    path("mp/posts/<int:pk>/", views.PostDetailView.as_view(), name="post_detail"),
    path("mp/posts/<int:pk>/edit/", views.PostEditView.as_view(), name="post_edit"),
    path("mp/posts/<int:pk>/submit/", views.PostSubmitView.as_view(), name="post_submit"),
    path("mp/posts/<int:pk>/approve/", views.PostApproveView.as_view(), name="post_approve"),
    path("mp/posts/<int:pk>/return/", views.PostReturnView.as_view(), name="post_return"),
    path("mp/posts/<int:pk>/publish/", views.PostPublishView.as_view(), name="post_publish"),
    path("mp/posts/<int:pk>/record/", views.PostRecordView.as_view(), name="post_record"),
    path("mp/posts/<int:pk>/delete/", views.PostDeleteView.as_view(), name="post_delete"),
    path("mp/orgs/<int:pk>/recruitment/", views.OrgRecruitmentView.as_view(), name="org_recruitment"),
    path("mp/orgs/<int:pk>/follows/", views.OrgFollowsView.as_view(), name="org_follows"),
    path("mp/me/", views.my_follows, name="my_follows"),
    path("mp/me/<int:pk>/confirm/", views.follow_confirm, name="follow_confirm"),
    path("mp/me/<int:pk>/withdraw/", views.follow_withdraw, name="follow_withdraw"),
    path("mp/me/<int:pk>/bind/", views.follow_bind, name="follow_bind"),
]
