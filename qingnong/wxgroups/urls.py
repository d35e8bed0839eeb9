from django.urls import path, re_path

from . import views

app_name = "wxgroups"

urlpatterns = [
    path("groups/", views.GroupListView.as_view(), name="group_list"),
    path("groups/gaps/", views.GapListView.as_view(), name="gap_list"),
    path("groups/add/", views.GroupCreateView.as_view(), name="group_add"),
    path("groups/<int:pk>/", views.GroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", views.GroupEditView.as_view(), name="group_edit"),
    path("groups/<int:pk>/qr/", views.GroupQrView.as_view(), name="group_qr"),
    path("groups/<int:pk>/count/", views.GroupCountView.as_view(), name="group_count"),
    path("groups/<int:pk>/members/add/", views.GroupMembersAddView.as_view(), name="group_members_add"),
    path(
        "groups/<int:pk>/members/cadre/<int:cadre_pk>/",
        views.GroupAddCadreView.as_view(),
        name="group_add_cadre",
    ),
    path("groups/<int:pk>/dissolve/", views.GroupDissolveView.as_view(), name="group_dissolve"),
    path("members/<int:pk>/remove/", views.MembershipRemoveView.as_view(), name="member_remove"),
    path("m/groups/", views.MyGroupsView.as_view(), name="my_groups"),
    path("livecodes/", views.LiveCodeListView.as_view(), name="livecode_list"),
    path("livecodes/add/", views.LiveCodeCreateView.as_view(), name="livecode_add"),
    path("livecodes/<int:pk>/", views.LiveCodeDetailView.as_view(), name="livecode_detail"),
    path("livecodes/<int:pk>/edit/", views.LiveCodeEditView.as_view(), name="livecode_edit"),
    re_path(
        r"^livecodes/(?P<pk>\d+)/(?P<kind>qr\.png|qr\.svg|poster\.png|poster\.pdf)$",
        views.LiveCodeImageView.as_view(),
        name="livecode_image",
    ),
]
