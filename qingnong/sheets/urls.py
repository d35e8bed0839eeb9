from django.urls import path

from . import views

app_name = "sheets"

urlpatterns = [
    path("sheets/", views.SheetIndexView.as_view(), name="index"),
    path("sheets/<slug:kind>/import/", views.ImportView.as_view(), name="import"),
    path("sheets/<slug:kind>/template/", views.TemplateView.as_view(), name="template"),
    path("sheets/<slug:kind>/export/", views.ExportView.as_view(), name="export"),
    path("jobs/", views.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", views.JobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/commit/", views.JobCommitView.as_view(), name="job_commit"),
    path("jobs/<int:pk>/files/<slug:which>/", views.JobFileView.as_view(), name="job_file"),
]
