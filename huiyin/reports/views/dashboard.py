"""Report pages: dashboard."""

urlpatterns: list = []
