"""The sign-in forms: a username longer than any account's is refused before anyone looks it up.

Django's AuthenticationForm shows the username's max_length on the widget but does not check
it, so a 5,000-character name reached django-axes, whose column holds 255 (a 500 on
PostgreSQL). Here such a name is refused as a wrong sign-in before anything is looked up.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator


class _BoundedUsername:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        limit = field.max_length or 150
        if not any(isinstance(v, MaxLengthValidator) for v in field.validators):
            field.validators.append(MaxLengthValidator(limit))

    def clean(self):
        if "username" in self._errors:
            # The page shows the form's own errors only: the usual "wrong username or
            # password", and no account is looked up or counted for such a name.
            raise self.get_invalid_login_error()
        return super().clean()


class LoginForm(_BoundedUsername, AuthenticationForm):
    def get_invalid_login_error(self):
        # A directory user whose password was right but whose groups give no role, or a
        # directory that cannot be reached, is told so (huiyin.directory.services).
        from huiyin.directory.services import refusal_message

        message = refusal_message(self.request)
        if message:
            return ValidationError(message, code="directory")
        return super().get_invalid_login_error()


class AdminLoginForm(_BoundedUsername, AdminAuthenticationForm):
    pass
