from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/calendar/", views.ActivityCalendarView.as_view(), name="activity_calendar"),
    path("activities/add/", views.ActivityCreateView.as_view(), name="activity_add"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity_delete"),
    path("activities/<int:pk>/photos/add/", views.PhotosAddView.as_view(), name="photo_add"),
    path("activities/photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("activities/photos/<int:pk>/delete/", views.PhotoDeleteView.as_view(), name="photo_delete"),
]
