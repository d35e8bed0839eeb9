from django.urls import path

from . import views

app_name = "campaign"

urlpatterns = [
    path("campaign/", views.CampaignCurrentView.as_view(), name="campaign_current"),
    path("campaign/new/", views.CampaignCreateView.as_view(), name="campaign_add"),
    path("campaign/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaign/<int:pk>/edit/", views.CampaignEditView.as_view(), name="campaign_edit"),
    path("submissions/", views.SubmissionBoardView.as_view(), name="submission_board"),
    path(
        "submissions/<int:campaign_pk>/<int:org_pk>/upload/",
        views.SubmissionUploadView.as_view(),
        name="submission_upload",
    ),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
    path("submissions/draft/<int:org_pk>/", views.SummaryDraftView.as_view(), name="summary_draft"),
    path("submissions/<int:pk>/file/", views.SubmissionDownloadView.as_view(), name="submission_file"),
    path("submissions/<int:pk>/review/", views.SubmissionReviewView.as_view(), name="submission_review"),
]
