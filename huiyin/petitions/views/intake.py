"""Petition pages: intake."""

urlpatterns: list = []
