"""The assessment app's models: letters and targets, schemes, rounds, supervision, vetoes."""

from huiyin.assessment.models.assurances import (
    Assurance,
    AssuranceEvidence,
    AssuranceItem,
    AssuranceStatus,
)
from huiyin.assessment.models.rounds import (
    ManualAward,
    Objection,
    ObjectionOutcome,
    Point,
    Round,
    RoundStatus,
    Score,
)
from huiyin.assessment.models.schemes import (
    AppliesTo,
    Method,
    Scheme,
    SchemeItem,
    SchemeStatus,
)
from huiyin.assessment.models.supervision import (
    Escalation,
    Ground,
    Result,
    Step,
    SupervisionOrder,
)
from huiyin.assessment.models.targets import Comparison, Letter, LetterScan, Target
from huiyin.assessment.models.veto import Decision, VetoGround, VetoProposal

__all__ = [
    "AppliesTo",
    "Assurance",
    "AssuranceEvidence",
    "AssuranceItem",
    "AssuranceStatus",
    "Comparison",
    "Decision",
    "Escalation",
    "Ground",
    "Letter",
    "LetterScan",
    "ManualAward",
    "Method",
    "Objection",
    "ObjectionOutcome",
    "Point",
    "Result",
    "Round",
    "RoundStatus",
    "Scheme",
    "SchemeItem",
    "SchemeStatus",
    "Score",
    "Step",
    "SupervisionOrder",
    "Target",
    "VetoGround",
    "VetoProposal",
]
