"""The documents of a dispute (people's mediation): 人民调解申请书, 调解笔录, 人民调解协议书,
口头协议登记, 告知书 (人民调解法 art. 26) and 回访记录, in the 司法部 model layout of people's
mediation forms on the GB/T 9704 page (the 告知书 as a notice of the committee).

Each is a :class:`~huiyin.reports.documents.render.DocumentSpec` of kind "dispute": a petition
is never offered one, nor a dispute a petition's. Its stage rule is in
:mod:`~huiyin.reports.documents.disputes_read`, its text in
:mod:`~huiyin.reports.documents.disputes_forms`.

    documents.available(case)                      # what fits the dispute now (the case page)
    documents.render(spec, case, options={"session": "2"})   # the 2nd session's 调解笔录

Who may have which: every one names the parties in full (the 协议书 and the 申请书 with their ID
numbers, phones and addresses), so each is an identity export — for those who may open a
party's identity (:func:`may_have`: the identity view, or mediating the dispute, as
:func:`huiyin.disputes.services.party_identity`), and audited as "document.export" by the view
or the command that writes it, naming the fields shown (never their values).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.services import holds
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.reports.documents import disputes_forms as forms
from huiyin.reports.documents import disputes_read as read
from huiyin.reports.documents.render import Context, DocumentSpec, refused, register

FULL = ("name", "id_number", "phone", "address")
NAME_ONLY = ("name",)
#: The option that picks one record of several, per document (``--session 2``).
SESSION, VISIT = "session", "visit"


def _record(ctx: Context):
    rows = read.sessions(ctx.detail)
    session, number = read.pick(rows, ctx.options.get(SESSION))
    if session is None:
        raise refused(
            RECORD, ctx.case, read.MSG_NO_SESSION % {"number": number, "count": len(rows)}
        )
    return forms.build_record(ctx, session, number, len(rows))


def _followup(ctx: Context):
    rows = read.visits(ctx.detail)
    visit, number = read.pick(rows, ctx.options.get(VISIT))
    if visit is None:
        raise refused(
            FOLLOWUP, ctx.case, read.MSG_NO_VISIT % {"number": number, "count": len(rows)}
        )
    return forms.build_followup(ctx, visit, number, len(rows))


def _spec(name, slug, label, check, build, **extra) -> DocumentSpec:
    return DocumentSpec(
        name=name,
        slug=slug,
        label=label,
        kind=Kind.DISPUTE,
        load=read.load,
        check=check,
        build=build,
        names_person=True,
        **extra,
    )


APPLICATION = _spec(
    "人民调解申请书",
    "mediation-application",
    _("Application for people's mediation"),
    read.check_application,
    forms.build_application,
    withdrawn_ok=True,
    fields=FULL,
)
RECORD = _spec(
    "调解笔录",
    "mediation-record",
    _("Record of a mediation session"),
    read.check_session,
    _record,
    withdrawn_ok=True,
    fields=NAME_ONLY,
    options=(SESSION,),
)
AGREEMENT = _spec(
    "人民调解协议书",
    "mediation-agreement",
    _("People's mediation agreement"),
    read.check_written,
    forms.build_agreement,
    fields=FULL,
)
ORAL = _spec(
    "口头协议登记",
    "oral-agreement",
    _("Register of an oral agreement"),
    read.check_oral,
    forms.build_oral,
    withdrawn_ok=True,
    fields=FULL,
)
NOTICE = _spec(
    "告知书",
    "routes-notice",
    _("Notice of other routes (arbitration, administrative, judicial)"),
    read.check_notice,
    forms.build_notice,
    fields=NAME_ONLY,
)
FOLLOWUP = _spec(
    "回访记录",
    "follow-up-record",
    _("Record of a follow-up visit"),
    read.check_followup,
    _followup,
    withdrawn_ok=True,
    fields=NAME_ONLY,
    options=(VISIT,),
)

DOCUMENTS = (APPLICATION, RECORD, AGREEMENT, ORAL, NOTICE, FOLLOWUP)

register(*DOCUMENTS)


def may_have(user, case, spec: DocumentSpec) -> bool:
    """Whether `user` (who can already see `case`) may have `spec`: a document naming the
    parties in full goes to those who may open their identity — the identity view, or mediating
    this dispute (the rule of :func:`huiyin.disputes.services.party_identity`)."""
    if not spec.names_person:
        return True
    return reach_of(user).can(Perm.IDENTITY_VIEW) or holds(user, case, Perm.DISPUTES_MEDIATE)


def choices(case, spec: DocumentSpec) -> list[tuple[int, object]]:
    """The records a page may offer for `spec` as (N, date), N for ``options={"session": N}``
    (or "visit"): the sessions of a 调解笔录, the visits of a 回访记录; [] for the others."""
    if SESSION in spec.options:
        rows = read.sessions(read.load(case))
    elif VISIT in spec.options:
        rows = read.visits(read.load(case))
    else:
        return []
    return [(number, row.on) for number, row in enumerate(rows, start=1)]
