from django.urls import path

from huiyin.directory import views

# The names are mozilla-django-oidc's own (its views reverse the callback by name).
urlpatterns = [
    path("authenticate/", views.SignInView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.CallbackView.as_view(), name="oidc_authentication_callback"),
]
