"""Petition pages: keycases."""

urlpatterns: list = []
