"""What the case services raise when they refuse: each carries a translatable message."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MSG_STALE = _("This matter was changed by someone else; reload it and try again.")


class CaseRefused(Exception):
    """A change to a case was refused; `message` is for the user (translatable), nothing changed."""

    def __init__(self, message: str | Promise):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class TransitionRefused(CaseRefused):
    """A workflow transition (or another change) was refused: wrong state, role or input."""


class StaleCase(CaseRefused):
    """The case changed since the user loaded it (optimistic locking): reload and retry."""

    def __init__(self, message: str | Promise = MSG_STALE):
        super().__init__(message)


class AttachmentRefused(CaseRefused):
    """An upload was refused: too big, empty or of a type we do not keep."""
