"""The grade of a production-safety accident, from the 生产安全事故报告和调查处理条例 art. 3.

    特别重大  30 deaths or more, or 100 seriously injured or more, or a direct loss of ¥100m or more
    重大      10 to 29 deaths, or 50 to 99 seriously injured, or ¥50m up to (not incl.) ¥100m
    较大      3 to 9 deaths, or 10 to 49 seriously injured, or ¥10m up to (not incl.) ¥50m
    一般      fewer than 3 deaths, fewer than 10 seriously injured, less than ¥10m

"以上" includes the number and "以下" does not (art. 3, last paragraph): an accident with exactly
10 deaths is 重大, with exactly ¥10,000,000 of loss 较大. Any one criterion suffices, so the
grade is the highest any of the three reaches. Serious injuries include acute industrial
poisoning (art. 3). Whether the missing count with the deaths is the setting
``HUIYIN_INCIDENT_GRADE_COUNTS_MISSING`` (default no: art. 3 names deaths).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """突发事件应对法 art. 3: the four grades, lowest first."""

    GENERAL = "general", _("General")
    LARGER = "larger", _("Larger")
    MAJOR = "major", _("Major")
    ESPECIALLY_MAJOR = "especially_major", _("Especially major")


#: Rank of each grade, lowest first.
RANK = {grade: index for index, grade in enumerate(Grade.values)}

#: (grade, deaths, serious injuries, direct loss in yuan): the lowest figure reaching the grade.
THRESHOLDS: tuple[tuple[str, int, int, Decimal], ...] = (
    (Grade.ESPECIALLY_MAJOR, 30, 100, Decimal("100000000")),
    (Grade.MAJOR, 10, 50, Decimal("50000000")),
    (Grade.LARGER, 3, 10, Decimal("10000000")),
)


def safety_grade(
    deaths: int = 0,
    serious_injuries: int = 0,
    direct_loss: Decimal | int | None = None,
    *,
    missing: int = 0,
    count_missing: bool = False,
) -> str:
    """The grade of a production-safety accident with these figures (see the module docstring)."""
    dead = (deaths or 0) + ((missing or 0) if count_missing else 0)
    injured = serious_injuries or 0
    loss = Decimal(direct_loss or 0)
    for grade, min_deaths, min_injured, min_loss in THRESHOLDS:
        if dead >= min_deaths or injured >= min_injured or loss >= min_loss:
            return grade
    return Grade.GENERAL


def higher(a: str, b: str) -> str:
    return a if RANK.get(a, 0) >= RANK.get(b, 0) else b
