"""`huiyin check --database` (and every `migrate`): does each mapped place exist?

The mapping's form is checked when settings load; whether 柑子园社区 is a community here is a
question for the database, asked by this check so that a misspelt name is found before a
person is refused at sign-in.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def mapped_places_exist(app_configs=None, databases=None, **kwargs):
    directory = getattr(settings, "HUIYIN_DIRECTORY", None)
    if not databases or directory is None or not directory.rules:
        return []
    from huiyin.directory.services import resolve

    problems = []
    try:
        for rule in directory.rules:
            if resolve(rule) is None:
                problems.append(
                    checks.Warning(
                        f"HUIYIN_DIRECTORY_GROUPS: {rule.describe()} names a {rule.scope} "
                        "that is not found (or not only once) in the database",
                        hint="Correct the name as the organisation lists it, or add the place.",
                        id="huiyin_directory.W001",
                    )
                )
    except DatabaseError:
        return []  # no tables yet: the first migrate comes before any mapping matters
    return problems
