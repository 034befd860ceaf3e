"""Report pages: campaigns."""

urlpatterns: list = []
