"""Decision risk assessment pages, mounted at /risk-assessments/."""

from django.urls import path

from huiyin.riskassessments import views

app_name = "riskassessments"

urlpatterns = [
    path("", views.assessment_list, name="index"),
    path("new/", views.assessment_new, name="new"),
    path("measures/", views.measure_list, name="measures"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("<int:pk>/consultations/", views.consultation_add, name="consultation_add"),
    path("<int:pk>/risks/", views.risk_add, name="risk_add"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/conclude/", views.conclude, name="conclude"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/document/", views.document, name="document"),
    path("<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("measures/<int:pk>/", views.measure_update, name="measure_update"),
]
