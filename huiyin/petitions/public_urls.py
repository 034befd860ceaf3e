"""The public pages: no sign-in (the petitioner's progress tracker)."""

from huiyin.petitions.views import public

app_name = "public"

urlpatterns = [*public.urlpatterns]
