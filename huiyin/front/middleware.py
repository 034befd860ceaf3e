"""Response headers that Django's SecurityMiddleware does not set.

- ``Content-Security-Policy`` (settings.CONTENT_SECURITY_POLICY) on every response: scripts and
  styles only from our own static files, so no template may carry inline script, an inline
  event handler or a ``style`` attribute (huiyin/front/tests/test_headers.py scans them all).
- ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): no camera, microphone, location, ...
- ``Cache-Control: no-store`` on everything but static files: a case page, a list, an export,
  a receipt or an attachment must not stay in a browser's or a proxy's cache on a shared
  office computer. Static files (whitenoise) keep their long cache lifetimes.

It sits before WhiteNoiseMiddleware, so static files get the policies too.
"""

from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = settings.CONTENT_SECURITY_POLICY
        self.permissions = settings.PERMISSIONS_POLICY
        self.static_prefix = settings.STATIC_URL or "/static/"
        if not self.static_prefix.startswith("/"):
            self.static_prefix = "/" + self.static_prefix

    def __call__(self, request):
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        if not self._is_static(request, response):
            cache = response.headers.get("Cache-Control", "")
            if "no-store" not in cache:
                response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    def _is_static(self, request, response) -> bool:
        # A 404 under /static/ comes from Django, not from a file: it need not be kept.
        return request.path.startswith(self.static_prefix) and response.status_code < 400
