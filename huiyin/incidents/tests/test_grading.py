"""The grade of a production-safety accident at the edges of the 条例 art. 3 thresholds:
"以上" includes the number, "以下" does not."""

from decimal import Decimal

import pytest

from huiyin.incidents.grading import Grade, safety_grade

G = Grade


@pytest.mark.parametrize(
    ("deaths", "grade"),
    [
        (0, G.GENERAL),
        (2, G.GENERAL),
        (3, G.LARGER),
        (9, G.LARGER),
        (10, G.MAJOR),
        (29, G.MAJOR),
        (30, G.ESPECIALLY_MAJOR),
        (31, G.ESPECIALLY_MAJOR),
    ],
)
def test_deaths(deaths, grade):
    assert safety_grade(deaths=deaths) == grade


@pytest.mark.parametrize(
    ("injured", "grade"),
    [
        (9, G.GENERAL),
        (10, G.LARGER),
        (49, G.LARGER),
        (50, G.MAJOR),
        (99, G.MAJOR),
        (100, G.ESPECIALLY_MAJOR),
    ],
)
def test_serious_injuries(injured, grade):
    assert safety_grade(serious_injuries=injured) == grade


@pytest.mark.parametrize(
    ("loss", "grade"),
    [
        ("9999999.99", G.GENERAL),
        ("10000000", G.LARGER),
        ("49999999.99", G.LARGER),
        ("50000000", G.MAJOR),
        ("99999999.99", G.MAJOR),
        ("100000000", G.ESPECIALLY_MAJOR),
    ],
)
def test_direct_loss(loss, grade):
    assert safety_grade(direct_loss=Decimal(loss)) == grade


def test_the_highest_criterion_decides():
    assert safety_grade(deaths=1, serious_injuries=12, direct_loss=Decimal("60000000")) == G.MAJOR
    assert safety_grade(deaths=30, serious_injuries=0, direct_loss=None) == G.ESPECIALLY_MAJOR


def test_the_missing_count_with_the_deaths_only_when_configured():
    assert safety_grade(deaths=2, missing=1) == G.GENERAL
    assert safety_grade(deaths=2, missing=1, count_missing=True) == G.LARGER
