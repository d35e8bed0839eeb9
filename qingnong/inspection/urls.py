from django.urls import path

from . import views

app_name = "inspection"

urlpatterns = [
    path("inspection/", views.AssessmentView.as_view(), name="assessment"),
    path("inspection/<int:pk>/", views.ScorecardView.as_view(), name="scorecard"),
    path("inspection/<int:pk>/report.docx", views.ScorecardReportView.as_view(), name="report"),
]
