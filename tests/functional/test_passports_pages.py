"""The nurse's passport, her shares, and the public page a share link opens."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.background import runner
from passport.background.registry import PERIODIC
from passport.credentials.operations import change_status
from passport.db import utcnow
from passport.formatting import uk_date
from passport.passports.models import OpeningKind, Share, ShareOpening
from passport.passports.operations import KEEP_EXPIRED_SHARES, remove_expired_shares
from tests.conftest import sign_in
from tests.support.credential_factories import SAMPLE_SUBJECTS, issue, nurse_with_passport, share_of
from tests.support.factories import UserFactory


@pytest.fixture
def nurse(client, demo_trusts):  # type: ignore[no-untyped-def]
    user, member = nurse_with_passport(demo_trusts[0])
    sign_in(client, user)
    return user, member


def _token_from(page: str) -> str:
    return re.search(r'id="share-link">[^<]*/v/([A-Za-z0-9_-]+)<', page).group(1)


def test_her_passport_groups_credentials_with_their_status(client, session, nurse, demo_trusts):
    _user, member = nurse
    own, other = demo_trusts
    issue(own, member, "dbs-check")
    issue(own, member, "professional-registration")
    soon = (utcnow() - timedelta(days=350)).date().isoformat()  # resuscitation lapses after 12 months
    issue(
        other, member, "mandatory-training", {"subject_code": "CSTF-RESUS", "level": 1, "completed_on": soon}
    )
    revoked = issue(other, member, "employment")
    change_status(session, revoked, "revoke", actor="test")
    page = client.get("/passport").get_data(as_text=True)
    headings = re.findall(r'<h2 id="group-(\w+)"', page)
    assert headings == ["identity_checks", "registration", "training", "competencies", "employment"]
    assert "Training to renew" in page and "Resuscitation, level 1" in page
    assert "Revoked" in page and "NMC registration" in page
    assert "South London and Maudsley" in page  # credentials from more than one trust


def test_a_competency_is_shown_with_its_statement_wherever_it_is_listed(client, nurse, demo_trusts):
    _user, member = nurse
    competency = issue(demo_trusts[0], member, "competency")
    statement = "Carries out a risk assessment with a person in crisis."
    assert competency.competency_statement == statement
    passport = client.get("/passport").get_data(as_text=True)
    assert competency.title in passport and statement in passport
    detail = client.get(f"/credentials/{competency.id}").get_data(as_text=True)
    assert statement in detail
    share_form = client.get("/passport/share").get_data(as_text=True)
    assert f"{competency.title}: {statement}" in share_form
    # Other kinds carry no statement.
    assert issue(demo_trusts[0], member, "dbs-check").competency_statement is None


def test_share_then_anyone_opens_exactly_what_was_shared(client, app, session, nurse, demo_trusts):
    user, member = nurse
    shared = issue(demo_trusts[0], member, "dbs-check")
    kept_back = issue(demo_trusts[0], member, "occupational-health")
    response = client.post("/passport/share", data={"credential_ids": [shared.id], "hours": "72"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    token = _token_from(page)
    share = session.scalar(select(Share).where(Share.staff_member_id == member.id))
    assert share.token_hash == hashlib.sha256(token.encode()).hexdigest()  # stored hashed, never in clear
    assert token not in json.dumps([share.token_hash, share.id])
    assert abs((share.expires_at - share.created_at) - timedelta(hours=72)) < timedelta(seconds=1)
    assert client.get(f"/v/{token}/qr.svg").mimetype == "image/svg+xml"
    assert client.get(f"/v/{token}/qr.png").data[:8] == b"\x89PNG\r\n\x1a\n"

    anonymous = app.test_client()
    public = anonymous.get(f"/v/{token}")
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and "Verified" in text
    assert shared.title in text and kept_back.title not in text
    assert public.headers["X-Robots-Tag"] == "noindex, nofollow"
    presentation = anonymous.get(f"/v/{token}/presentation.json").json
    assert presentation["type"] == ["VerifiablePresentation"]
    assert presentation["verifiableCredential"] == [shared.document]
    assert anonymous.post("/api/v1/verify", json=presentation).json["verified"]

    # Every opening is recorded and visible to her.
    kinds = [o.kind for o in session.scalars(select(ShareOpening).order_by(ShareOpening.id))]
    assert kinds == [OpeningKind.OPENED, OpeningKind.DOWNLOADED]
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "passport.share_opened")).actor_label
        == "anonymous"
    )
    shares_page = client.get("/passport/shares").get_data(as_text=True)
    assert "Someone not signed in" in shares_page and "Downloaded the JSON" in shares_page


def test_the_shares_list_keeps_each_fact_apart(client, session, nurse, demo_trusts):
    _user, member = nurse
    own, other = demo_trusts
    dbs, registration = issue(own, member, "dbs-check"), issue(own, member, "professional-registration")
    share_of(member, [dbs, registration], receiving=other)
    session.flush()
    page = client.get("/passport/shares").get_data(as_text=True)
    main = _text_of(page[page.index("<main") : page.index("</main>")])
    # Once read "...Foundation Trust.Works until": every fact is its own row of the summary list.
    assert not re.search(r"[a-z]\.[A-Z]", main), main
    assert f"Shown to {other.name} Works until" in main
    assert f"2 credentials {dbs.title} {registration.title}" in main
    assert page.count('class="nhsuk-summary-list__row"') == 3


def _outside_details(page: str) -> str:
    """The page without its details elements (what a reader sees before opening any)."""
    return re.sub(r"<details.*?</details>", "", page, flags=re.DOTALL)


def _text_of(page: str) -> str:
    """The words of a page, roughly as read: tags dropped, whitespace collapsed."""
    return re.sub(r" ([:.,])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", page).split()))


def test_the_shared_page_leads_with_the_facts_a_verifier_acts_on(client, app, session, nurse, demo_trusts):
    _user, member = nurse
    own, other = demo_trusts
    training = issue(own, member)  # fire safety, completed 30 days ago
    dbs = issue(own, member, "dbs-check")
    registration = issue(other, member, "professional-registration")
    right_to_work = issue(own, member, "right-to-work")
    competency = issue(own, member, "competency")
    _share, token = share_of(
        member, [training, dbs, registration, right_to_work, competency], receiving=other
    )
    session.flush()
    page = app.test_client().get(f"/v/{token}").get_data(as_text=True)
    shown = _text_of(_outside_details(page))
    subjects = SAMPLE_SUBJECTS
    # Who, shared by whom and until when, then the verdict, then one row per credential.
    assert f"Staff passport of {member.full_name}" in shown
    assert f"Shared by {member.full_name} on {uk_date(utcnow())} with {other.name}" in shown
    assert "The link works until" in shown and "(UK time)" in shown
    assert shown.index("Staff passport of") < shown.index("Verified") < shown.index("Credentials shared")
    # The registration leads, with its PIN, register part and expiry. (Facts are a description list:
    # label then value, the colon between them drawn by the stylesheet.)
    registration_expiry = uk_date(date.fromisoformat(subjects["professional-registration"]["expires_on"]))
    assert (
        f"NMC PIN 12A3456E Register part Registered nurse (mental health) "
        f"Registration expires {registration_expiry}"
    ) in shown
    assert shown.index(registration.title) < shown.index(training.title)
    # DBS level, certificate date and the update service; right to work; training completion and expiry.
    assert "Level Enhanced with barred lists" in shown and "Certificate date 1 December 2025" in shown
    assert "Update service Subscribed" in shown
    rtw_expiry = uk_date(date.fromisoformat(subjects["right-to-work"]["expires_on"]))
    assert f"Permission Time-limited Expires {rtw_expiry}" in shown
    completed = date.fromisoformat(subjects["mandatory-training"]["completed_on"])
    assert f"Completed {uk_date(completed)} Expires {uk_date(training.valid_until)}" in shown
    assert "Statement Carries out a risk assessment with a person in crisis." in shown
    # Codes and field names are not shown raw.
    for raw in ("enhanced_with_barred_lists", "registerPart", "RNMH", "time_limited", "2025-12-01"):
        assert raw not in page
    # The seven checks and the issuer's DID sit behind "How this was checked", one per credential.
    assert "Passed:" not in shown and "did:web:" not in shown and "well_formed" not in shown
    checks = re.findall(r"<details.*?</details>", page, flags=re.DOTALL)
    assert len(checks) == 5
    assert all("How this was checked" in c and c.count("Passed:") == 7 and "did:web:" in c for c in checks)
    # Headings do not skip a level.
    levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_a_suspended_credential_is_named_in_the_banner_with_its_issuer(
    client, app, session, nurse, demo_trusts
):
    _user, member = nurse
    own, other = demo_trusts
    fire = issue(own, member)
    revoked = issue(other, member, "dbs-check")
    fine = issue(own, member, "professional-registration")
    _share, token = share_of(member, [fire, revoked, fine])
    change_status(session, fire, "suspend", actor="test", reason="Certificate under review")
    change_status(session, revoked, "revoke", actor="test")
    session.flush()
    page = app.test_client().get(f"/v/{token}").get_data(as_text=True)
    shown = _text_of(_outside_details(page))
    suspended_on, revoked_on = uk_date(fire.status_changed_at), uk_date(revoked.status_changed_at)
    banner = shown[shown.index("2 of 3 credentials did not verify") : shown.index("Credentials shared")]
    assert f"{fire.title}: suspended by {own.name} on {suspended_on}" in banner
    assert f"{revoked.title}: revoked by {other.name} on {revoked_on}" in banner
    assert "The other credential verified." in banner and fine.title not in banner
    # Each failure on its own row too, with the check that failed behind the details.
    assert f"Failed Suspended by {own.name} on {suspended_on}." in shown
    assert f"Failed Revoked by {other.name} on {revoked_on}." in shown
    assert "This credential was revoked by its issuer." in page  # inside "How this was checked"
    assert "Certificate under review" not in page  # the issuer's reason stays with the issuer


def test_unknown_expired_and_withdrawn_links(client, app, session, nurse, demo_trusts):
    _user, member = nurse
    credential = issue(demo_trusts[0], member)
    anonymous = app.test_client()
    assert anonymous.get("/v/never-existed-never-existed-never").status_code == 404
    assert anonymous.get("/v/x").status_code == 404
    expired, expired_token = share_of(member, [credential])
    expired.expires_at = utcnow() - timedelta(minutes=1)
    withdrawn, withdrawn_token = share_of(member, [credential])
    session.flush()
    response = client.post(f"/passport/shares/{withdrawn.id}/revoke", data={"confirmed": "yes"})
    assert response.status_code == 302
    for token in (expired_token, withdrawn_token):
        for suffix in ("", "/presentation.json", "/qr.svg"):
            assert anonymous.get(f"/v/{token}{suffix}").status_code == 410
    assert "withdrawn" in anonymous.get(f"/v/{withdrawn_token}").get_data(as_text=True)
    assert session.scalar(select(ShareOpening.id)) is None  # refused openings open nothing


def test_expire_shares_removes_what_is_kept_after_expiry_once(app, client, session, nurse, demo_trusts):
    _user, member = nurse
    credential = issue(demo_trusts[0], member)
    long_gone, long_gone_token = share_of(member, [credential])
    just_expired, _ = share_of(member, [credential])
    live, live_token = share_of(member, [credential])
    app.test_client().get(f"/v/{long_gone_token}")  # opened while live: an opening to remove later
    long_gone.expires_at = utcnow() - KEEP_EXPIRED_SHARES - timedelta(minutes=1)
    just_expired.expires_at = utcnow() - timedelta(days=1)
    session.flush()
    assert PERIODIC["expire-shares"].every_minutes == 60
    runner.run_periodic(app, "expire-shares")  # as a worker runs it, committed after
    remaining = set(session.scalars(select(Share.id).execution_options(populate_existing=True)))
    assert remaining == {just_expired.id, live.id}
    assert session.scalar(select(ShareOpening.id).where(ShareOpening.share_id == long_gone.id)) is None
    removed = session.scalars(select(AuditEvent).where(AuditEvent.action == "passport.share_removed")).all()
    assert [(e.record_id, e.actor_label, e.details["openings"]) for e in removed] == [
        (str(long_gone.id), "system", 1)
    ]
    # The audit log keeps what happened to the removed share; the link is still refused (now unknown).
    kept = session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == str(long_gone.id))).all()
    assert {"passport.shared", "passport.share_opened", "passport.share_removed"} <= set(kept)
    assert app.test_client().get(f"/v/{long_gone_token}").status_code == 404
    assert app.test_client().get(f"/v/{live_token}").status_code == 200
    # Idempotent: running again removes nothing more and records nothing more.
    assert remove_expired_shares(session) == 0
    assert (
        len(session.scalars(select(AuditEvent).where(AuditEvent.action == "passport.share_removed")).all())
        == 1
    )
    assert "days after it expires" in client.get("/passport/shares").get_data(as_text=True)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"credential_ids": []}, "credential_ids"),
        ({"credential_ids": [1], "hours": 721}, "hours"),
        ({"credential_ids": [1], "hours": 0}, "hours"),
        ({"credential_ids": [1], "receiving_trust": "ZZZ"}, "receiving_trust"),
    ],
)
def test_bad_share_requests(client, nurse, payload, field):
    response = client.post("/api/v1/passport/shares", json=payload)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json["errors"]]


def test_she_can_share_only_her_own_unrevoked_credentials(client, session, nurse, demo_trusts):
    _user, member = nurse
    someone_elses = issue(demo_trusts[0])
    revoked = issue(demo_trusts[0], member)
    change_status(session, revoked, "revoke", actor="test")
    session.flush()
    for ids in ([someone_elses.id], [revoked.id]):
        response = client.post("/api/v1/passport/shares", json={"credential_ids": ids})
        assert response.status_code == 422, response.json
    assert session.scalar(select(Share.id)) is None


def test_share_through_the_api_at_most_30_days(client, session, nurse, demo_trusts):
    _user, member = nurse
    credential = issue(demo_trusts[0], member)
    response = client.post(
        "/api/v1/passport/shares",
        json={"credential_ids": [credential.id], "hours": 720, "receiving_trust": "RV5"},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["receiving_trust"] == "RV5" and body["credential_ids"] == [credential.id]
    assert "/v/" in body["url"] and body["qr_svg_url"].endswith("/qr.svg")
    listed = client.get("/api/v1/passport/shares").json
    assert [s["id"] for s in listed] == [body["id"]] and "url" not in listed[0]
    assert client.post(f"/api/v1/passport/shares/{body['id']}/revoke").json["revoked_at"]
    presentation = client.get("/api/v1/passport/presentation").json
    assert presentation["verifiableCredential"] == [credential.document]


def test_hr_of_the_receiving_trust_records_it_verified(app, session, demo_trusts):
    own, other = demo_trusts
    _nurse, member = nurse_with_passport(own)
    credential = issue(own, member)
    _share, token = share_of(member, [credential], receiving=other)
    session.flush()
    receiving_hr, own_hr = app.test_client(), app.test_client()
    sign_in(receiving_hr, UserFactory(role=Role.HR, trust=other))
    sign_in(own_hr, UserFactory(role=Role.HR, trust=own))
    assert "Record that" in receiving_hr.get(f"/v/{token}").get_data(as_text=True)
    assert "Record that" not in own_hr.get(f"/v/{token}").get_data(as_text=True)
    assert own_hr.post(f"/v/{token}/verified").status_code == 403
    assert receiving_hr.post(f"/v/{token}/verified").status_code == 302
    verified = session.scalar(select(ShareOpening).where(ShareOpening.kind == OpeningKind.VERIFIED))
    assert verified.verified_result is True and "RV5" in verified.who


def test_export_passport_command_writes_her_current_credentials(app, session, demo_trusts, tmp_path):
    _nurse, member = nurse_with_passport(demo_trusts[0])
    current = issue(demo_trusts[0], member)
    revoked = issue(demo_trusts[1], member)
    change_status(session, revoked, "revoke", actor="test")
    session.flush()
    out = tmp_path / "vp.json"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["passport", "export-passport", "--email", member.email, "--out", str(out)])
    assert result.exit_code == 0, result.output
    presentation = json.loads(out.read_text())
    assert presentation["verifiableCredential"] == [current.document]
    verify = runner.invoke(args=["passport", "verify", str(out)])
    assert verify.exit_code == 0, verify.output
    missing = runner.invoke(
        args=["passport", "export-passport", "--email", "no@x.example", "--out", str(out)]
    )
    assert missing.exit_code == 1


def test_seed_demo_gives_the_rpg_nurse_a_full_passport(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["passport", "seed-demo"]).exit_code == 0
    from passport.auth.models import UserAccount
    from passport.credentials.models import CredentialState, IssuedCredential
    from passport.credentials.operations import status_of

    nurse = session.scalar(select(UserAccount).where(UserAccount.email == "nurse@rpg.example"))
    credentials = list(
        session.scalars(
            select(IssuedCredential).where(IssuedCredential.staff_member_id == nurse.staff_member_id)
        )
    )
    assert len({c.trust_id for c in credentials}) == 3
    assert any(c.state is CredentialState.REVOKED for c in credentials)
    assert any(status_of(c).label.startswith("Expires") for c in credentials)
    count = len(credentials)
    assert runner.invoke(args=["passport", "seed-demo"]).exit_code == 0
    assert (
        session.scalar(
            select(IssuedCredential.id)
            .where(IssuedCredential.staff_member_id == nurse.staff_member_id)
            .offset(count)
        )
        is None
    )
