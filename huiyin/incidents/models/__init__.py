"""Incidents and risk notes: see incident.py and risk.py."""

from huiyin.incidents.grading import Grade
from huiyin.incidents.models.incident import (
    Incident,
    Report,
    Source,
    Status,
    Task,
    TaskAction,
)
from huiyin.incidents.models.risk import (
    Level,
    RiskNote,
    RiskStatus,
    RiskType,
    SubjectKind,
)

__all__ = [
    "Grade",
    "Incident",
    "Level",
    "Report",
    "RiskNote",
    "RiskStatus",
    "RiskType",
    "Source",
    "Status",
    "SubjectKind",
    "Task",
    "TaskAction",
]
