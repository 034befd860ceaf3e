from django.urls import path

from huiyin.screening import views

app_name = "screening"

urlpatterns = [
    path("", views.board, name="board"),
    path("report/", views.report, name="report"),
    path("file/", views.file, name="file"),
]
