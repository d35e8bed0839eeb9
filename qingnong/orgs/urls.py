from django.urls import path

from . import views, views_account

app_name = "orgs"

urlpatterns = [
    path("orgs/", views.org_tree, name="org_tree"),
    path("orgs/list/", views.OrgListView.as_view(), name="org_list"),
    path("orgs/suggest/", views.org_suggest, name="org_suggest"),
    path("orgs/<int:pk>/", views.OrgDetailView.as_view(), name="org_detail"),
    path("orgs/<int:pk>/children/", views.org_tree_children, name="org_children"),
    path("orgs/<int:parent_pk>/add/", views.OrgCreateView.as_view(), name="org_add"),
    path("orgs/<int:pk>/edit/", views.OrgEditView.as_view(), name="org_edit"),
    path("orgs/<int:pk>/move/", views.OrgMoveView.as_view(), name="org_move"),
    path("orgs/<int:pk>/merge/", views.OrgMergeView.as_view(), name="org_merge"),
    path("orgs/<int:pk>/dissolve/", views.OrgDissolveView.as_view(), name="org_dissolve"),
    path("orgs/<int:pk>/restore/", views.OrgRestoreView.as_view(), name="org_restore"),
    path("orgs/<int:pk>/delete/", views.OrgDeleteView.as_view(), name="org_delete"),
    path("cadres/", views.CadreListView.as_view(), name="cadre_list"),
    path("cadres/add/", views.CadreCreateView.as_view(), name="cadre_add"),
    path("cadres/<int:pk>/", views.CadreDetailView.as_view(), name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.CadreEditView.as_view(), name="cadre_edit"),
    path("cadres/<int:pk>/delete/", views.CadreDeleteView.as_view(), name="cadre_delete"),
    path("cadres/<int:cadre_pk>/positions/add/", views.PositionCreateView.as_view(), name="position_add"),
    path("positions/<int:pk>/edit/", views.PositionEditView.as_view(), name="position_edit"),
    path("positions/<int:pk>/end/", views.PositionEndView.as_view(), name="position_end"),
    path("positions/<int:pk>/delete/", views.PositionDeleteView.as_view(), name="position_delete"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.UserCreateView.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/password/", views.UserPasswordResetView.as_view(), name="user_password"),
    path("users/<int:pk>/disable/", views.UserDisableView.as_view(), name="user_disable"),
    path("users/<int:pk>/enable/", views.UserEnableView.as_view(), name="user_enable"),
    path("users/<int:user_pk>/grants/add/", views.GrantCreateView.as_view(), name="grant_add"),
    path("grants/<int:pk>/delete/", views.GrantDeleteView.as_view(), name="grant_delete"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("account/tokens/", views_account.token_list, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", views_account.token_revoke, name="token_revoke"),
]
