from django.urls import path

from huiyin.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.audit_list, name="audit"),
    path("export.csv", views.audit_export, name="audit_export"),
]
