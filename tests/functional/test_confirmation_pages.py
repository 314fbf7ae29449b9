"""Actions that cannot be undone ask first (issue 19): revoking a credential, withdrawing a share link,
revoking an API token and approving a job description for a trust. Each GET names the record and what
will happen; a POST without the page's confirmed=yes changes nothing and is sent to the page; with it, the
action happens. (Secondments: test_secondments_confirmation.py; publishing and withdrawing a sign-off:
the frameworks tests.)"""

from __future__ import annotations

import html

from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.auth.models import ApiToken, Role
from passport.auth.operations import create_api_token
from passport.credentials.models import CredentialState
from passport.passports.models import Share
from tests.conftest import sign_in
from tests.support.credential_factories import issue, nurse_with_passport, share_of, staff
from tests.support.factories import UserFactory
from tests.support.job_factories import adopted_job, make_job


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _confirmation_parts(page: str, cancel_href: str) -> None:
    """The NHS.UK pieces every confirmation page has."""
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert (
        "nhsuk-button nhsuk-button--warning" in page and "nhsuk-card--warning" in page
    )  # the warning callout
    assert f'href="{cancel_href}">Cancel</a>' in page


def _events(session, action: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# --- Revoking a credential (suspending stays one click: it can be undone) -----------------------------


def test_revoking_a_credential_asks_first_naming_the_holder_and_what_happens(client, session, demo_trusts):
    rpg = demo_trusts[0]
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    credential = issue(rpg, staff(rpg, given_name="Aaron", family_name="Singh"))
    detail, url = f"/credentials/{credential.id}", f"/credentials/{credential.id}/revoke"
    page = _text(client.get(detail))
    assert f'href="{url}"' in page and 'value="revoke"' not in page and 'value="suspend"' in page

    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 200
    assert f"<h1>Revoke {credential.title} for Aaron Singh?</h1>" in page
    assert "verifiers see it as revoked from now on" in page
    assert (
        "A revoked credential cannot be reinstated. If it is revoked in error, issue a new credential."
        in page
    )
    assert 'name="reason"' in page
    _confirmation_parts(page, detail)

    # Without confirmed=yes (the old one-click form too) nothing changes: sent to the confirmation page.
    for posted in (
        client.post(url, data={"reason": "Wrong person"}),
        client.post(f"{detail}/status", data={"action": "revoke", "reason": "Wrong person"}),
    ):
        assert posted.status_code == 302 and posted.headers["Location"].endswith(url)
    session.refresh(credential)
    assert credential.state is CredentialState.ACTIVE and credential.status_reason is None
    assert _events(session, "credential.revoked") == 0

    done = client.post(url, data={"confirmed": "yes", "reason": "Issued to the wrong person"})
    assert done.status_code == 302 and done.headers["Location"].endswith(detail)
    session.refresh(credential)
    assert credential.state is CredentialState.REVOKED
    assert credential.status_reason == "Issued to the wrong person"
    assert _events(session, "credential.revoked") == 1
    assert "is revoked: verifiers see it as revoked from now on" in _text(client.get(detail))
    assert client.get(url).status_code == 409  # nothing left to confirm


def test_a_reason_too_long_is_shown_nhs_style_and_nothing_is_revoked(client, session, demo_trusts):
    rpg = demo_trusts[0]
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    credential = issue(rpg)
    answer = client.post(
        f"/credentials/{credential.id}/revoke", data={"confirmed": "yes", "reason": "x" * 501}
    )
    page = _text(answer)
    assert answer.status_code == 422 and "<title>Error: " in page
    assert "There is a problem" in page and 'href="#reason"' in page
    assert "nhsuk-form-group--error" in page and "at most 500 characters" in page
    assert "x" * 501 in page  # what was typed is kept
    session.refresh(credential)
    assert credential.state is CredentialState.ACTIVE


def test_hr_of_another_trust_gets_no_revocation_page(client, session, demo_trusts):
    credential = issue(demo_trusts[0])
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[1]))
    assert client.get(f"/credentials/{credential.id}/revoke").status_code == 403
    assert client.post(f"/credentials/{credential.id}/revoke", data={"confirmed": "yes"}).status_code == 403
    session.refresh(credential)
    assert credential.state is CredentialState.ACTIVE


# --- Withdrawing a share link ------------------------------------------------------------------------


def test_withdrawing_a_share_link_asks_first(app, client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    user, member = nurse_with_passport(rpg)
    sign_in(client, user)
    credential = issue(rpg, member)
    share, token = share_of(member, [credential], receiving=rv5)
    url = f"/passport/shares/{share.id}/revoke"
    assert f'href="{url}"' in _text(client.get("/passport/shares"))

    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 200 and "<h1>Withdraw the link you shared on " in page
    assert credential.title in page and rv5.name in page
    assert f"the link stops working straight away: anyone who opens it, HR of {rv5.name} included" in page
    assert "A withdrawn link cannot be turned back on" in page
    _confirmation_parts(page, "/passport/shares")

    anonymous = app.test_client()
    posted = client.post(url)
    assert posted.status_code == 302 and posted.headers["Location"].endswith(url)
    session.refresh(share)
    assert share.revoked_at is None and anonymous.get(f"/v/{token}").status_code == 200

    done = client.post(url, data={"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/passport/shares")
    session.refresh(share)
    assert share.revoked_at is not None and anonymous.get(f"/v/{token}").status_code == 410
    assert client.get(url).status_code == 409


def test_someone_elses_share_has_no_withdrawal_page(client, session, demo_trusts):
    _owner, member = nurse_with_passport(demo_trusts[0])
    share, _token = share_of(member, [issue(demo_trusts[0], member)])
    user, _mine = nurse_with_passport(demo_trusts[0])
    sign_in(client, user)
    assert client.get(f"/passport/shares/{share.id}/revoke").status_code == 404
    assert client.post(f"/passport/shares/{share.id}/revoke", data={"confirmed": "yes"}).status_code == 404
    assert session.get(Share, share.id).revoked_at is None


# --- Revoking an API token -----------------------------------------------------------------------------


def test_revoking_an_api_token_asks_first(client, session):
    user = UserFactory()
    sign_in(client, user)
    token, raw = create_api_token(session, user, "ESR sync")
    api = client.application.test_client()
    url = f"/account/api-tokens/{token.id}/revoke"
    assert f'href="{url}"' in _text(client.get("/account/api-tokens"))

    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 200 and "<h1>Revoke the API token ESR sync?</h1>" in page
    assert f"<code>{token.prefix}…</code>" in answer.get_data(as_text=True)  # markup, not escaped text
    assert "every program that sends this token is refused from its next request" in page
    assert "A revoked token never works again" in page
    _confirmation_parts(page, "/account/api-tokens")

    posted = client.post(url)
    assert posted.status_code == 302 and posted.headers["Location"].endswith(url)
    assert session.get(ApiToken, token.id).revoked_at is None
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200

    done = client.post(url, data={"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/api-tokens")
    session.refresh(token)
    assert token.revoked_at is not None
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert client.get(url).status_code == 409


# --- Approving a job description for a trust --------------------------------------------------------


def test_approving_a_job_description_asks_first_and_keeps_the_hash_read(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rv5)
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    page = _text(client.get(f"/jobs/{version.id}"))
    url = f"/jobs/{version.id}/approve"
    assert (
        f'<form method="get" action="{url}"' in page and 'name="csrf_token"' not in page.split(url)[1][:300]
    )

    answer = client.get(url, query_string={"content_hash": version.content_hash})
    page = _text(answer)
    what = f"{version.title}, band {version.afc_band}, version {version.number}"
    assert answer.status_code == 200 and f"<h1>Approve {what} for {rpg.name}?</h1>" in page
    assert f"it is a joint job description of {rv5.name} and {rpg.name}" in page
    assert f"{rpg.name}'s adoption of version {version.number} cannot be withdrawn" in page
    assert f'value="{version.content_hash}"' in page
    _confirmation_parts(page, f"/jobs/{version.id}")

    posted = client.post(url, data={"content_hash": version.content_hash})
    assert posted.status_code == 302 and f"content_hash={version.content_hash}" in posted.headers["Location"]
    session.refresh(version)
    assert [a.trust_id for a in version.adoptions] == [rv5.id]

    stale = client.post(url, data={"confirmed": "yes", "content_hash": "0" * 64})
    assert stale.status_code == 409 and "changed since you read it" in _text(stale)
    done = client.post(url, data={"confirmed": "yes", "content_hash": version.content_hash})
    assert done.status_code == 302
    session.refresh(version)
    assert sorted(a.trust_id for a in version.adoptions) == sorted([rv5.id, rpg.id])
    again = client.get(url)
    assert again.status_code == 409 and "already approved" in _text(again)


def test_the_first_approval_says_the_version_freezes(client, session, demo_trusts):
    from competencies.jobs import operations

    version = make_job(session)
    operations.submit_for_approval(session, version, actor="test")
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    page = _text(client.get(f"/jobs/{version.id}/approve"))
    assert "the version is frozen: nobody can change it any more" in page
    assert "everyone signed in, nurses included, can read it" in page
    assert f'value="{version.content_hash}"' in page  # no hash given: the version as it stands
