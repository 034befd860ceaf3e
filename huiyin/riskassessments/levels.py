"""The conclusion levels of a decision risk assessment and the bands of a risk point's rating.

The levels are local: 中办发〔2012〕2号 and the local rules leave them to the office, and
"high / medium / low" is common but not verified in any national text (LAW.md). They are kept
here, in one place, with the default below; an office sets its own in the settings::

    HUIYIN_RISK_LEVELS = [
        {"code": "high", "name": "高", "advice": "不实施或暂缓实施",
         "allows": ["postpone", "reject"]},
        ...
    ]

``allows`` lists the decisions (:class:`~huiyin.riskassessments.models.DecisionTaken`) a
conclusion at that level leaves open: a decision never goes beyond what the assessment
concluded (条例 art. 24: a risk that is not controllable is adjusted first).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

IMPLEMENT, ADJUSTED, POSTPONE, REJECT = "implement", "adjusted", "postpone", "reject"
DECISIONS = (IMPLEMENT, ADJUSTED, POSTPONE, REJECT)


@dataclass(frozen=True)
class Level:
    code: str
    name: str  # as the report prints it: 高 / 中 / 低
    advice: str  # what the level means for the decision
    allows: tuple[str, ...]


#: The built-in levels, from the most cautious: 高 不实施/暂缓, 中 调整后实施/采取措施后实施, 低 可以实施.
DEFAULT_LEVELS: tuple[Level, ...] = (
    Level("high", "高", "暂缓实施或不实施", (POSTPONE, REJECT)),
    Level("medium", "中", "调整后实施或采取措施后实施", (IMPLEMENT, ADJUSTED, POSTPONE, REJECT)),
    Level("low", "低", "可以实施", DECISIONS),
)


def levels() -> tuple[Level, ...]:
    """The levels in force: the setting ``HUIYIN_RISK_LEVELS`` when given, else the default."""
    given = getattr(settings, "HUIYIN_RISK_LEVELS", None)
    if not given:
        return DEFAULT_LEVELS
    return tuple(
        Level(
            code=str(row["code"])[:20],
            name=str(row.get("name", row["code"]))[:20],
            advice=str(row.get("advice", ""))[:100],
            allows=tuple(d for d in row.get("allows", DECISIONS) if d in DECISIONS),
        )
        for row in given
    )


def by_code(code: str) -> Level | None:
    return next((level for level in levels() if level.code == code), None)


def choices() -> list[tuple[str, str]]:
    return [(level.code, f"{level.name}（{level.advice}）") for level in levels()]


# --------------------------------------------------------------------------- rating bands

LIKELIHOOD_MIN = IMPACT_MIN = 1
LIKELIHOOD_MAX = IMPACT_MAX = 5

#: A risk point's rating is likelihood × impact (1–25); its band is the first whose upper bound
#: the rating does not exceed: 1–6 low (较低), 8–12 medium (中等), 15–25 high (较高).
RATING_BANDS: tuple[tuple[int, str], ...] = ((6, "low"), (12, "medium"), (25, "high"))
BAND_NAMES = {"low": "较低", "medium": "中等", "high": "较高"}


def band(rating: int) -> str:
    for top, code in RATING_BANDS:
        if rating <= top:
            return code
    return RATING_BANDS[-1][1]
