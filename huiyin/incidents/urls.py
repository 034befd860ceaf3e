"""Incident and risk-note pages."""

app_name = "incidents"

urlpatterns: list = []
