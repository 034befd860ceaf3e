"""平安创建's pages (mounted at /safety/)."""

from huiyin.safety.views import urlpatterns

app_name = "safety"

__all__ = ["app_name", "urlpatterns"]
