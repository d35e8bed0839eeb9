from django.urls import path

from . import views

app_name = "youth"

urlpatterns = [
    path("youth/", views.YouthListView.as_view(), name="youth_list"),
    path("youth/add/", views.YouthCreateView.as_view(), name="youth_add"),
    path("youth/<int:pk>/", views.YouthDetailView.as_view(), name="youth_detail"),
    path("youth/<int:pk>/edit/", views.YouthEditView.as_view(), name="youth_edit"),
    path("youth/<int:pk>/merge/", views.YouthMergeView.as_view(), name="youth_merge"),
    path("youth/<int:pk>/delete/", views.YouthDeleteView.as_view(), name="youth_delete"),
    path("m/youth/", views.MyYouthView.as_view(), name="my_youth"),
]
