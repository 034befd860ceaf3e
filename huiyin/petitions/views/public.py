"""Petition pages: public."""

urlpatterns: list = []
