from django.urls import path

from . import views

app_name = "content"

urlpatterns = [
    path("content/", views.ContentListView.as_view(), name="item_list"),
    path("content/add/", views.ContentCreateView.as_view(), name="item_add"),
    path("content/<int:pk>/", views.ContentDetailView.as_view(), name="item_detail"),
    path("content/<int:pk>/edit/", views.ContentEditView.as_view(), name="item_edit"),
    path("content/<int:content_pk>/tasks/add/", views.TaskCreateView.as_view(), name="task_add"),
    path("content/tasks/", views.TaskListView.as_view(), name="task_list"),
    path("content/tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("content/tasks/pending/", views.TaskPendingListView.as_view(), name="task_pending"),
    path("content/tasks/<int:pk>/withdraw/", views.TaskWithdrawView.as_view(), name="task_withdraw"),
    path("content/todo/", views.TodoView.as_view(), name="todo"),
    path("content/todo/<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("content/posts/", views.PostListView.as_view(), name="post_list"),
    path("content/posts/add/", views.PostCreateView.as_view(), name="post_add"),
    path("content/posts/<int:pk>/delete/", views.PostDeleteView.as_view(), name="post_delete"),
    path("content/posts/<int:pk>/screenshot/", views.PostScreenshotView.as_view(), name="post_screenshot"),
    path("content/dormant/", views.DormantListView.as_view(), name="dormant_list"),
    path("content/stats/", views.StatsView.as_view(), name="stats"),
]
