from django.urls import path

from huiyin.mail import views

app_name = "mail"

urlpatterns = [
    path("", views.preferences, name="preferences"),
]
