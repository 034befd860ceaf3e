"""Report pages: word."""

urlpatterns: list = []
