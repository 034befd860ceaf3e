from django.urls import path

from huiyin.cases import views

app_name = "cases"

urlpatterns = [
    path("goto/", views.goto, name="goto"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
