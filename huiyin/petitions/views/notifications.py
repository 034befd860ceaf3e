"""Petition pages: notifications."""

urlpatterns: list = []
