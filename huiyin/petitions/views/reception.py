"""Petition pages: reception."""

urlpatterns: list = []
