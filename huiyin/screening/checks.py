"""Start-up check of the screening settings: a wrong value is named before anyone files."""

from __future__ import annotations

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def screening_settings(app_configs, **kwargs) -> list[Error]:
    from huiyin.screening import periods, reminders

    problems = periods.settings_errors()
    try:
        reminders.remind_hours()
    except ImproperlyConfigured as problem:
        problems.append(str(problem))
    return [
        Error(text, id=f"huiyin.screening.E{index:03d}") for index, text in enumerate(problems, 1)
    ]
