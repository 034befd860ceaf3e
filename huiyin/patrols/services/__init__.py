"""Patrol services: patrols and findings, places and checklists, inspections and their
rectifications, special campaigns, sensitive periods.

Screens, the documents and the reminders call these. Each checks permissions
(PermissionDenied, audited), validates with translatable messages (:class:`PatrolInvalid`,
``errors`` by field) and writes the change with its audit entry in one transaction.
"""

from huiyin.patrols.services.campaigns import create_campaign, progress
from huiyin.patrols.services.common import PatrolInvalid
from huiyin.patrols.services.findings import (
    link_case,
    mark_noted,
    to_dispute,
    to_incident,
    to_rectification,
)
from huiyin.patrols.services.inspections import (
    overdue,
    overdue_count,
    record_inspection,
    record_referral_result,
    refer,
    reinspect,
)
from huiyin.patrols.services.patrols import (
    add_finding,
    add_roster_entry,
    add_volunteer,
    record_patrol,
    remove_roster_entry,
    set_volunteer_active,
)
from huiyin.patrols.services.places import current_checklist, new_checklist_version, save_place
from huiyin.patrols.services.sensitive import create_period, file_daily

__all__ = [
    "PatrolInvalid",
    "add_finding",
    "add_roster_entry",
    "add_volunteer",
    "create_campaign",
    "create_period",
    "current_checklist",
    "file_daily",
    "link_case",
    "mark_noted",
    "new_checklist_version",
    "overdue",
    "overdue_count",
    "progress",
    "record_inspection",
    "record_patrol",
    "record_referral_result",
    "refer",
    "reinspect",
    "remove_roster_entry",
    "save_place",
    "set_volunteer_active",
    "to_dispute",
    "to_incident",
    "to_rectification",
]
