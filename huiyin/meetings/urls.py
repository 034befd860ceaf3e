"""The meetings' pages, mounted at /meetings/."""

from django.urls import path

from huiyin.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="index"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("agenda/<int:pk>/delete/", views.agenda_delete, name="agenda_delete"),
    path("<int:pk>/tasks/new/", views.task_new, name="task_new"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
]
