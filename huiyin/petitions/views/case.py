"""Petition pages: case."""

urlpatterns: list = []
