"""The meetings' forms: rendering and first checks; the services decide (and re-check)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.forms import Styled, _day, _text
from huiyin.meetings.models import Action, MeetingKind
from huiyin.meetings.services import staff_choices


def _version() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


def _staff_options(user) -> list[tuple[str, str]]:
    """The staff of the person's streets (every street's without a person)."""
    return [(str(s.pk), s.name) for s in staff_choices(user)]


class MeetingForm(Styled):
    held_on = _day(_("Date"), future_ok=True)
    title = _text(_("Title"), 120)
    meeting_kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    place = _text(_("Place"), 80, required=False)
    chair = forms.ChoiceField(label=_("Chair"), choices=())
    attendees = forms.MultipleChoiceField(
        label=_("Attendees"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The chair is counted among the attendees."),
    )
    decisions = _text(
        _("Decisions"),
        8000,
        required=False,
        rows=4,
        help_text=_("One decision per line; each task is set below, on the meeting's page."),
    )
    version = _version()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        options = _staff_options(user)
        self.fields["chair"].choices = [("", "—"), *options]
        self.fields["attendees"].choices = options
        self.fields["attendees"].widget.attrs["class"] = "form-check-input"


class AgendaForm(Styled):
    topic = _text(_("Topic"), 200)
    case = _text(
        _("Matter (case number)"),
        40,
        required=False,
        help_text=_("Optional: the petition, dispute or incident discussed."),
    )
    note = _text(_("Discussion"), 4000, required=False, rows=2)


class TaskForm(Styled):
    text = _text(_("What to do"), 300, rows=2)
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices)
    owner = forms.ChoiceField(label=_("Owner"), choices=())
    due_on = _day(_("Due on"), future_ok=True)
    case = _text(
        _("Matter (case number)"),
        40,
        required=False,
        help_text=_("Optional: the matter the task resolves."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *_staff_options(user)]


class DoneForm(Styled):
    done_on = _day(_("Done on"))
    result = _text(_("Result"), 2000, rows=3)
    version = _version()
