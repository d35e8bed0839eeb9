from django.urls import include, path

from . import views

app_name = "mp"

# One prefix for all pages, so that resolving any other URL (the callback above all) tries one pattern here.
pages = [
    path("", views.AccountListView.as_view(), name="account_list"),
    path("accounts/add/", views.AccountCreateView.as_view(), name="account_add"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("accounts/<int:pk>/edit/", views.AccountEditView.as_view(), name="account_edit"),
    path("accounts/<int:pk>/secrets/", views.AccountSecretsView.as_view(), name="account_secrets"),
    path("accounts/<int:pk>/admins/add/", views.AdminAddView.as_view(), name="admin_add"),
    path("admins/<int:pk>/remove/", views.AdminRemoveView.as_view(), name="admin_remove"),
    path("accounts/<int:pk>/followers/", views.AccountFollowerListView.as_view(), name="follower_list"),
    path("accounts/<int:pk>/rules/", views.RuleListView.as_view(), name="rule_list"),
    path("accounts/<int:pk>/rules/add/", views.RuleCreateView.as_view(), name="rule_add"),
    path("rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("accounts/<int:pk>/menu/", views.MenuEditView.as_view(), name="menu_edit"),
    path("accounts/<int:pk>/menu/push/", views.MenuPushView.as_view(), name="menu_push"),
    path("accounts/<int:pk>/qrcodes/", views.QrCodeListView.as_view(), name="qrcode_list"),
    path("accounts/<int:pk>/qrcodes/generate/", views.QrGenerateView.as_view(), name="qrcode_generate"),
    path("qrcodes/<int:pk>/poster/", views.PosterView.as_view(), name="qrcode_poster"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("posts/", views.PostListView.as_view(), name="post_list"),
    path("posts/add/", views.PostCreateView.as_view(), name="post_add"),
    path("posts/<int:pk>/", views.PostDetailView.as_view(), name="post_detail"),
    path("posts/<int:pk>/edit/", views.PostEditView.as_view(), name="post_edit"),
    path("posts/<int:pk>/submit/", views.PostSubmitView.as_view(), name="post_submit"),
    path("posts/<int:pk>/approve/", views.PostApproveView.as_view(), name="post_approve"),
    path("posts/<int:pk>/return/", views.PostReturnView.as_view(), name="post_return"),
    path("posts/<int:pk>/publish/", views.PostPublishView.as_view(), name="post_publish"),
    path("posts/<int:pk>/record/", views.PostRecordView.as_view(), name="post_record"),
    path("posts/<int:pk>/delete/", views.PostDeleteView.as_view(), name="post_delete"),
    path("orgs/<int:pk>/recruitment/", views.OrgRecruitmentView.as_view(), name="org_recruitment"),
    path("orgs/<int:pk>/follows/", views.OrgFollowsView.as_view(), name="org_follows"),
    path("me/", views.my_follows, name="my_follows"),
    path("me/<int:pk>/confirm/", views.follow_confirm, name="follow_confirm"),
    path("me/<int:pk>/withdraw/", views.follow_withdraw, name="follow_withdraw"),
    path("me/<int:pk>/bind/", views.follow_bind, name="follow_bind"),
]

urlpatterns = [path("mp/", include(pages))]
