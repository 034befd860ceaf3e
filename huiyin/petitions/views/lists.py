"""Petition pages: lists."""

urlpatterns: list = []
