"""The dispute's case page: who opens it, parties masked and the audited reveal, one form per
step the person may take now, refusals in the service's words that change nothing, the
parties' confirmation window (never overdue), the type warning, adding a party and a note."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.disputes import clocks, rules
from huiyin.disputes.models import Agreement, Consent, Party, RiskNote
from huiyin.disputes.steps.mediation import MSG_CONSENT_MISSING
from huiyin.disputes.steps.outcome import MSG_ART29
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(case, rest: str = "") -> str:
    return f"/disputes/{case.pk}/{rest}"


def audit_actions(case) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )


def page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(url(case))
    assert response.status_code == 200
    return response.content.decode()


def status_of(case) -> str:
    return Case.objects.get(pk=case.pk).status


def do(client, user, case, name: str, **fields):
    """POST the step `name` as its form sends it (prefixed fields, the version seen)."""
    client.force_login(user)
    data = {f"{name}-version": Case.objects.get(pk=case.pk).version}
    for key, value in fields.items():
        if isinstance(value, list):
            data[f"{name}-{key}"] = [str(v) for v in value]
        else:
            data[f"{name}-{key}"] = str(value)
    return client.post(url(case, f"do/{name}/"), data)


@pytest.fixture
def committee(community, personas):
    committee = df.committee(community)
    df.mediator(committee, staff=personas[Role.MEDIATOR].staff)
    return committee


@pytest.fixture
def dispute(governance, community, grid, committee):
    return df.register(governance, community=community, grid=grid, committee=committee)


def sides(case) -> tuple[Party, Party]:
    parties = list(Party.objects.filter(dispute_id=case.pk).order_by("side", "id"))
    return parties[0], parties[-1]


# --------------------------------------------------------------------------- who opens it


@pytest.mark.parametrize(
    "role",
    [
        Role.GOVERNANCE_STAFF,
        Role.MEDIATOR,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.LEADER,
        Role.AUDITOR,
    ],
)
def test_the_roles_of_the_dispute_s_place_open_it(client, personas, dispute, role):
    html = page(client, personas[role], dispute)
    assert dispute.number in html and 'id="case-status"' in html


def test_a_grid_worker_gets_404_for_another_grid_s_dispute_and_it_is_audited(
    client, personas, governance, other_community
):
    elsewhere = df.register(governance, community=other_community)
    client.force_login(personas[Role.GRID_WORKER])
    response = client.get(url(elsewhere))
    assert response.status_code == 404
    assert elsewhere.title not in response.content.decode()
    assert AuditEntry.objects.filter(action="access.denied").exists()


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER])
def test_roles_without_disputes_are_refused(client, personas, dispute, role):
    client.force_login(personas[role])
    assert client.get(url(dispute)).status_code == 403


def test_unknown_huge_and_foreign_ids_are_404(client, personas, dispute):
    from huiyin.petitions.tests.factories import register as register_petition

    petition = register_petition(personas[Role.PETITION_CLERK]).case
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    for path in (
        "/disputes/999999/",
        "/disputes/99999999999999999999999/",
        f"/disputes/{petition.pk}/",
        f"/disputes/{dispute.pk}/identity/99999999999999999999999/",
        "/disputes/99999999999999999999999/do/consent/",
        f"/disputes/{dispute.pk}/do/no_such_step/",
    ):
        method = client.get if path.count("/") <= 3 else client.post
        assert method(path).status_code == 404, path


# --------------------------------------------------------------------------- parties


def test_parties_are_masked_for_a_community_worker(client, personas, dispute):
    html = page(client, personas[Role.COMMUNITY_WORKER], dispute)
    parties = html[html.index('id="case-parties"') : html.index('id="case-clocks"')]
    assert "张*" in parties and "李*" in parties
    for secret in ("张三", "李四", df.ID_1, df.ID_2, df.PHONE_1, "翠屏路12号"):
        assert secret not in html
    assert "1101**********" in parties or df.ID_1[:4] in parties


def test_the_reveal_is_for_the_mediator_and_is_audited(client, personas, dispute):
    html = page(client, personas[Role.MEDIATOR], dispute)
    assert "hy-reveal" in html
    person, _other = sides(dispute)
    response = client.post(url(dispute, f"identity/{person.pk}/"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body and df.ID_1 in body and df.PHONE_1 in body and "翠屏路12号" in body
    assert "<html" not in body and "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.filter(action="identity.view").get()
    assert entry.diff["party"] == person.pk and "id_number" in entry.diff["fields"]
    assert df.ID_1 not in str(entry.diff)
    # Without htmx: a page of its own.
    assert "<html" in client.post(url(dispute, f"identity/{person.pk}/")).content.decode()


def test_a_leader_with_the_identity_view_may_reveal(client, personas, dispute):
    person, _other = sides(dispute)
    client.force_login(personas[Role.LEADER])
    assert client.post(url(dispute, f"identity/{person.pk}/")).status_code == 200


def test_the_auditor_reads_but_never_reveals(client, personas, dispute):
    html = page(client, personas[Role.AUDITOR], dispute)
    assert "hy-reveal" not in html
    person, _other = sides(dispute)
    response = client.post(url(dispute, f"identity/{person.pk}/"))
    assert response.status_code == 403
    assert "张三" not in response.content.decode()
    assert "access.denied" in audit_actions(dispute)
    assert "identity.view" not in audit_actions(dispute)


def test_a_party_of_another_dispute_is_404(client, personas, dispute, governance, community):
    other = df.register(governance, community=community)
    person, _ = sides(other)
    client.force_login(personas[Role.MEDIATOR])
    assert client.post(url(dispute, f"identity/{person.pk}/")).status_code == 404
    assert client.get(url(dispute, f"identity/{person.pk}/")).status_code == 405


# --------------------------------------------------------------------------- the steps


def test_the_auditor_has_no_action_and_a_forged_one_changes_nothing(client, personas, dispute):
    html = page(client, personas[Role.AUDITOR], dispute)
    assert 'id="no-actions"' in html and "data-transition=" not in html
    a, _b = sides(dispute)
    response = do(client, personas[Role.AUDITOR], dispute, "consent", party=a.pk)
    assert response.status_code == 400
    assert not Consent.objects.exists()
    assert "case.transition_refused" in audit_actions(dispute)
    assert client.post(url(dispute, "note/"), {"text": "x"}).status_code == 400
    assert client.post(url(dispute, "parties/"), {}).status_code == 403


def test_each_person_gets_a_form_per_step_they_may_take_now(client, personas, dispute):
    mediator = page(client, personas[Role.MEDIATOR], dispute)
    forms = set(re.findall(r'data-transition="([a-z_]+)"', mediator))
    assert {"consent", "refuse", "tell_rights", "assign_mediators", "note_risk"} <= forms
    # Not before every party consented and was told of their rights.
    assert "start_mediation" not in forms and "record_agreement" not in forms
    grid = page(client, personas[Role.GRID_WORKER], dispute)
    grid_forms = set(re.findall(r'data-transition="([a-z_]+)"', grid))
    # A grid worker screens: a risk, a transfer; the mediation steps are the mediator's.
    assert "note_risk" in grid_forms and "consent" not in grid_forms
    # One tap from the title to the actions on a phone.
    assert 'id="jump-to-actions"' in mediator
    assert mediator.index('id="jump-to-actions"') < mediator.index('id="case-facts"')


def test_a_consent_is_recorded_and_shown_masked(client, personas, dispute):
    a, _b = sides(dispute)
    response = do(
        client, personas[Role.MEDIATOR], dispute, "consent", party=a.pk, manner="in_person"
    )
    assert response.status_code == 302
    assert Consent.objects.get().party == a
    html = client.get(url(dispute)).content.decode()
    assert f'data-party="{a.pk}" data-side="a"' in html
    assert 'data-consent="agreed"' in html
    assert CaseEvent.objects.filter(case=dispute, kind="consent").exists()
    assert "张三" not in html


def test_a_step_out_of_order_is_refused_in_the_service_s_words_and_changes_nothing(
    client, personas, dispute
):
    # start_mediation is not offered yet; posted anyway, the service says why.
    before = Case.objects.get(pk=dispute.pk).version
    response = do(client, personas[Role.MEDIATOR], dispute, "start_mediation")
    html = response.content.decode()
    assert response.status_code == 400
    names = "张*、李*"
    assert escape(str(MSG_CONSENT_MISSING) % {"names": names}) in html
    fresh = Case.objects.get(pk=dispute.pk)
    assert (fresh.status, fresh.version) == ("registered", before)
    assert "case.transition_refused" in audit_actions(dispute)


def test_a_stale_form_is_409_and_changes_nothing(client, personas, dispute):
    a, b = sides(dispute)
    client.force_login(personas[Role.MEDIATOR])
    data = {"consent-version": "1", "consent-party": str(a.pk)}
    df.step(dispute, "consent", personas[Role.MEDIATOR], party=b.pk)  # someone else, meanwhile
    response = client.post(url(dispute, "do/consent/"), data)
    assert response.status_code == 409
    assert Consent.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"party": "99999999999999999999999"},
        {"party": "-1"},
        {"party": "abc", "on": "0001-01-01"},
        {"on": "9999-12-31"},
        {"on": "2026-02-30"},
        {"manner": "<script>alert(1)</script>"},
        {"note": "x" * 6000},
    ],
)
def test_bad_step_input_is_answered_beside_the_field(client, personas, dispute, fields):
    a, _b = sides(dispute)
    response = do(client, personas[Role.MEDIATOR], dispute, "consent", **{"party": a.pk, **fields})
    html = response.content.decode()
    assert response.status_code == 400
    assert "hy-field-error" in html and "<script>alert(1)</script>" not in html
    assert not Consent.objects.exists()


def test_a_date_before_the_dispute_was_received_is_refused(client, personas, dispute):
    a, _b = sides(dispute)
    early = (dispute.received_on - timedelta(days=1)).isoformat()
    response = do(client, personas[Role.MEDIATOR], dispute, "consent", party=a.pk, on=early)
    assert response.status_code == 400
    assert dispute.received_on.isoformat() in response.content.decode()
    assert not Consent.objects.exists()


def mediate(client, personas, case):
    """Consent of both sides, rights, mediators, start, a session: through the page's forms."""
    mediator, governance = personas[Role.MEDIATOR], personas[Role.GOVERNANCE_STAFF]
    a, b = sides(case)
    assert do(client, mediator, case, "consent", party=a.pk).status_code == 302
    assert do(client, mediator, case, "consent", party=b.pk).status_code == 302
    assert do(client, mediator, case, "tell_rights").status_code == 302
    chosen = list(case.dispute.committee.mediators.values_list("pk", flat=True))
    assert do(client, governance, case, "assign_mediators", mediators=chosen).status_code == 302
    assert do(client, mediator, case, "start_mediation").status_code == 302
    response = do(
        client, mediator, case, "record_session", place="社区调解室", summary="双方陈述<b>意见</b>"
    )
    assert response.status_code == 302
    assert status_of(case) == "mediating"


def test_a_written_agreement_without_its_art_29_contents_is_refused(client, personas, dispute):
    mediate(client, personas, dispute)
    response = do(
        client,
        personas[Role.MEDIATOR],
        dispute,
        "record_agreement",
        form="written",
        terms="赔偿2000元",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert str(MSG_ART29).split("%(missing)s")[0] in html
    assert status_of(dispute) == "mediating" and not Agreement.objects.exists()


def test_a_signed_written_agreement_takes_effect_and_opens_the_parties_window(
    client, personas, dispute
):
    mediate(client, personas, dispute)
    a, b = sides(dispute)
    today = timezone.localdate()
    response = do(
        client,
        personas[Role.MEDIATOR],
        dispute,
        "record_agreement",
        form="written",
        facts_and_issues="楼上漏水致楼下墙面受损。",
        responsibilities="楼上住户承担主要责任。",
        terms="赔偿墙面修复费用2000元。",
        performance_manner="现金支付。",
        performance_place="社区人民调解委员会",
        term_0="赔偿2000元",
        due_0=(today + timedelta(days=10)).isoformat(),
        **{f"signed_{a.pk}": today.isoformat(), f"signed_{b.pk}": today.isoformat()},
        mediator_signed_on=today.isoformat(),
        sealed_on=today.isoformat(),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert status_of(dispute) == "agreed"
    agreement = Agreement.objects.get()
    assert agreement.effective_on == today and agreement.signatures.count() == 2
    html = client.get(url(dispute)).content.decode()
    assert f'data-effective-on="{today:%Y-%m-%d}"' in html
    window = html[html.index('id="confirmation-window"') :]
    assert 'data-running="1" data-days-left="30"' in window
    # The parties' window: marked theirs, never in the office's overdue.
    row = html[html.index('<li class="list-group-item small" data-clock="judicial_confirmation"') :]
    row = row[: row.index("</li>")]
    assert 'data-party="petitioner"' in row and "data-parties-window" in row
    assert 'data-state="window"' in row
    assert "双方陈述&lt;b&gt;意见&lt;/b&gt;" in html


def test_a_window_that_has_passed_is_the_parties_never_overdue(client, personas, dispute):
    case = df.bring_to(dispute, "agreed", personas)
    Clock.objects.filter(case=case, code=clocks.CONFIRMATION).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )
    html = page(client, personas[Role.MEDIATOR], case)
    row = html[html.index('<li class="list-group-item small" data-clock="judicial_confirmation"') :]
    badge = row[: row.index("</li>")]
    assert 'data-state="window"' in badge and "overdue" not in badge
    assert 'id="confirmation-window" data-running="1" data-days-left="-3"' in html


def test_the_type_warning_for_judicial_confirmation(client, personas, governance, community):
    family = df.register(governance, community=community, category=df.dispute_type("婚姻家庭"))
    html = page(client, personas[Role.MEDIATOR], family)
    assert str(rules.MSG_UNCONFIRMABLE_STATUS) in html
    plain = df.register(governance, community=community, category=df.dispute_type("邻里"))
    assert 'id="type-warning"' not in page(client, personas[Role.MEDIATOR], plain)


def test_a_labour_dispute_past_15_days_tells_of_arbitration(
    client, personas, governance, community
):
    wages = df.register(
        governance,
        community=community,
        category=df.dispute_type("欠薪"),
        received_on=df.days_ago(20),
    )
    html = page(client, personas[Role.MEDIATOR], wages)
    assert 'id="labour-open"' in html and 'id="labour-badge"' in html


def test_the_guideline_passed_offers_the_next_tier(client, personas, dispute):
    case = df.bring_to(dispute, "mediating", personas)
    Clock.objects.filter(case=case, code=clocks.GUIDELINE).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    html = page(client, personas[Role.GOVERNANCE_STAFF], case)
    assert 'id="escalation-offer"' in html
    escalate = html[html.index('id="do-escalate"') :]
    assert '<option value="street" selected>' in escalate[: escalate.index("</select>")]


def test_a_risk_note_stays_on_the_dispute_and_asks_for_the_police_report(client, personas, dispute):
    response = do(
        client,
        personas[Role.GRID_WORKER],
        dispute,
        "note_risk",
        risk="双方言语冲突升级",
        measures="社区民警参与调解",
        police_matter="on",
    )
    assert response.status_code == 302
    html = client.get(url(dispute)).content.decode()
    assert f'data-police-missing="{RiskNote.objects.get().pk}"' in html
    assert "双方言语冲突升级" in html
    response = do(
        client, personas[Role.GRID_WORKER], dispute, "report_to_police", reported_to="翠屏路派出所"
    )
    assert response.status_code == 302
    assert "data-police-missing" not in client.get(url(dispute)).content.decode()


# --------------------------------------------------------------------------- party, note


def test_a_party_is_added_on_the_case_page(client, personas, dispute):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    data = {
        "add_party-side": "b",
        "add_party-kind": "person",
        "add_party-name": "王六",
        "add_party-phone": "13900001111",
    }
    assert client.post(url(dispute, "parties/"), data).status_code == 302
    assert Party.objects.filter(dispute_id=dispute.pk, name_masked="王*").exists()
    response = client.post(url(dispute, "parties/"), {**data, "add_party-phone": "12345"})
    assert response.status_code == 400
    assert 'data-field="phone"' in response.content.decode()
    response = client.post(url(dispute, "parties/"), {**data, "add_party-name": ""})
    assert response.status_code == 400
    assert Party.objects.filter(dispute_id=dispute.pk).count() == 3


def test_no_party_is_added_once_the_mediation_ended(client, personas, dispute):
    case = df.bring_to(dispute, "refused", personas)
    html = page(client, personas[Role.GOVERNANCE_STAFF], case)
    assert 'id="add-party"' not in html
    response = client.post(url(case, "parties/"), {"add_party-side": "a", "add_party-name": "王六"})
    assert response.status_code == 400
    assert Party.objects.filter(dispute_id=case.pk).count() == 2


def test_a_note_goes_on_the_timeline(client, personas, dispute):
    client.force_login(personas[Role.MEDIATOR])
    assert client.post(url(dispute, "note/"), {"text": "已电话联系双方"}).status_code == 302
    assert CaseEvent.objects.filter(case=dispute, kind="note", note="已电话联系双方").exists()
    assert client.post(url(dispute, "note/"), {"text": ""}).status_code == 400


def test_the_page_costs_the_same_queries_for_one_session_or_five(
    client, personas, dispute, django_assert_max_num_queries
):
    case = df.bring_to(dispute, "mediating", personas)
    mediator = personas[Role.MEDIATOR]
    df.step(case, "record_session", mediator, place="调解室", summary="第1次")
    df.step(case, "note_risk", mediator, risk="风险1", measures="疏导")
    client.force_login(mediator)
    client.get(url(case))

    def cost() -> int:
        with django_assert_max_num_queries(120) as captured:
            assert client.get(url(case)).status_code == 200
        return len(captured.captured_queries)

    one = cost()
    for n in range(2, 6):
        df.step(case, "record_session", mediator, place="调解室", summary=f"第{n}次")
        df.step(case, "note_risk", mediator, risk=f"风险{n}", measures="疏导")
    assert cost() == one


def test_a_court_period_is_extended_only_with_every_party_s_consent(
    client, personas, governance, community
):
    from huiyin.disputes.steps.mediation import MSG_EXTEND_CONSENT

    court = df.register(
        governance,
        community=community,
        source="court_assigned",
        court_name="南岸区人民法院",
        court_document="（2026）渝0108民诉前调1号",
        received_on=df.days_ago(3),
    )
    later = (timezone.localdate() + timedelta(days=40)).isoformat()
    mediator = personas[Role.MEDIATOR]
    response = do(client, mediator, court, "extend_court_period", new_due_on=later)
    assert response.status_code == 400
    assert escape(str(MSG_EXTEND_CONSENT)) in response.content.decode()
    response = do(
        client, mediator, court, "extend_court_period", new_due_on=later, parties_consented="on"
    )
    assert response.status_code == 302
    running = df.running(court, clocks.COURT_ASSIGNED)
    assert running.due_on.isoformat() >= later


def test_a_new_agreement_after_a_rejection_is_signed_afresh_by_everyone(client, personas, dispute):
    case = df.bring_to(dispute, "agreed", personas)
    mediator = personas[Role.MEDIATOR]
    df.step(case, "apply_confirmation", mediator, court="南岸区人民法院")
    df.step(case, "record_confirmation", mediator, result="rejected")
    df.step(case, "mediate_again", mediator)
    html = page(client, mediator, case)
    form = html[html.index('id="do-record_agreement"') :]
    form = form[: form.index("</form>")]
    a, b = sides(case)
    assert f'name="record_agreement-signed_{a.pk}"' in form
    assert f'name="record_agreement-signed_{b.pk}"' in form
