"""Roles and what each may do: the one table that decides permissions and navigation."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PETITION_CLERK = "petition_clerk", _("Petition clerk")
    GOVERNANCE_STAFF = "governance_staff", _("Governance staff")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_WORKER = "grid_worker", _("Grid worker")
    MEDIATOR = "mediator", _("Mediator")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    LEADER = "leader", _("Leader")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    # 区级: a district office reading the streets it is given (one whole-street grant each).
    DISTRICT = "district", _("District officer")


class Perm:
    """Permission names. A role grants a set of them; a grant's scope limits the rows."""

    PETITIONS_VIEW = "petitions.view"
    PETITIONS_REGISTER = "petitions.register"
    PETITIONS_DECIDE = "petitions.decide"  # accept, decline, transfer, assign
    PETITIONS_HANDLE = "petitions.handle"  # handle and reply to an assigned matter
    PETITIONS_APPROVE = "petitions.approve"  # approve extensions, own key cases
    IDENTITY_VIEW = "identity.view"  # may open a petitioner's full identity (audited)
    DISPUTES_VIEW = "disputes.view"
    DISPUTES_SCREEN = "disputes.screen"
    DISPUTES_MEDIATE = "disputes.mediate"
    INCIDENTS_VIEW = "incidents.view"
    INCIDENTS_REPORT = "incidents.report"
    PATROLS_VIEW = "patrols.view"
    PATROLS_RECORD = "patrols.record"
    INSPECTIONS_RECORD = "inspections.record"  # key places, inspections, rectification steps
    PATROLS_MANAGE = "patrols.manage"  # checklists, special campaigns, sensitive periods
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_MANAGE = "assessment.manage"
    REPORTS_VIEW = "reports.view"
    REPORTS_EXPORT = "reports.export"
    # Fill reports from a Word template of one's own: a template is code run on the server,
    # so only the office that owns the report wording (综治办) may hand one in.
    REPORT_TEMPLATES_MANAGE = "reports.templates"
    AUDIT_VIEW = "audit.view"
    ADMIN_MANAGE = "admin.manage"


P = Perm

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PETITION_CLERK: frozenset(
        {
            P.PETITIONS_VIEW,
            P.PETITIONS_REGISTER,
            P.PETITIONS_DECIDE,
            P.IDENTITY_VIEW,
            P.REPORTS_VIEW,
            P.REPORTS_EXPORT,
        }
    ),
    Role.GOVERNANCE_STAFF: frozenset(
        {
            P.PETITIONS_VIEW,
            P.DISPUTES_VIEW,
            P.DISPUTES_SCREEN,
            P.DISPUTES_MEDIATE,
            P.INCIDENTS_VIEW,
            P.INCIDENTS_REPORT,
            P.PATROLS_VIEW,
            P.PATROLS_RECORD,
            P.INSPECTIONS_RECORD,
            P.PATROLS_MANAGE,
            P.ASSESSMENT_VIEW,
            P.ASSESSMENT_MANAGE,
            P.REPORTS_VIEW,
            P.REPORTS_EXPORT,
            P.REPORT_TEMPLATES_MANAGE,
        }
    ),
    Role.COMMUNITY_WORKER: frozenset(
        {
            # 社区代办: registers a petition received in the community (the grant's scope)
            # and follows the ones they registered (Case.objects.visible_to), identity masked.
            P.PETITIONS_REGISTER,
            P.DISPUTES_VIEW,
            P.DISPUTES_SCREEN,
            P.DISPUTES_MEDIATE,
            P.INCIDENTS_VIEW,
            P.INCIDENTS_REPORT,
            P.PATROLS_VIEW,
            P.PATROLS_RECORD,
            # Residents' committees do fire checks (消防法 art. 32): inspections of their places.
            P.INSPECTIONS_RECORD,
            P.ASSESSMENT_VIEW,
        }
    ),
    Role.GRID_WORKER: frozenset(
        {
            P.DISPUTES_VIEW,
            P.DISPUTES_SCREEN,
            P.INCIDENTS_VIEW,
            P.INCIDENTS_REPORT,
            P.PATROLS_VIEW,
            P.PATROLS_RECORD,
        }
    ),
    Role.MEDIATOR: frozenset({P.DISPUTES_VIEW, P.DISPUTES_MEDIATE}),
    Role.DEPARTMENT_HANDLER: frozenset({P.PETITIONS_VIEW, P.PETITIONS_HANDLE}),
    Role.LEADER: frozenset(
        {
            P.PETITIONS_VIEW,
            P.PETITIONS_APPROVE,
            P.IDENTITY_VIEW,
            P.DISPUTES_VIEW,
            P.INCIDENTS_VIEW,
            P.PATROLS_VIEW,
            P.ASSESSMENT_VIEW,
            P.REPORTS_VIEW,
            P.REPORTS_EXPORT,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            P.PETITIONS_VIEW,
            P.DISPUTES_VIEW,
            P.INCIDENTS_VIEW,
            P.PATROLS_VIEW,
            P.ASSESSMENT_VIEW,
            P.REPORTS_VIEW,
            P.AUDIT_VIEW,
        }
    ),
    Role.ADMINISTRATOR: frozenset({P.ADMIN_MANAGE, P.AUDIT_VIEW}),
    # Reads the matters and the statistics of its streets, like a leader, but decides nothing
    # there and never opens a petitioner's identity (it does not handle the matters).
    Role.DISTRICT: frozenset(
        {
            P.PETITIONS_VIEW,
            P.DISPUTES_VIEW,
            P.INCIDENTS_VIEW,
            P.PATROLS_VIEW,
            P.ASSESSMENT_VIEW,
            P.REPORTS_VIEW,
            P.REPORTS_EXPORT,
        }
    ),
}
