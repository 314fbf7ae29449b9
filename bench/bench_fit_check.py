"""Benchmark: "who in my trust is ready for this job description" for a trust of 5,000 nurses against a
40-requirement job description, on SQLite and PostgreSQL.

The job description asks for 4 credentials (enhanced DBS, NMC registration on the nursing part of the
register, right to work, occupational health), the 11 CSTF subjects and 25 competencies of a shared
framework (Benner scale). Each nurse holds about 40 credentials: most hold everything, some miss a
subject, some hold a revoked DBS check, some hold training that lapses within the 42-day window.

One credential of each kind is really issued (signed, with its status lists); the other rows copy its
document with their own subject, id and status places, inserted in bulk: the list reads the issuers'
register (state, validity window, key state), not the signatures, so what matters is the row count and
the JSON each row carries. The list is computed four times: the first also reads each credential's
claim from its document once (kept in job_credential_fact); the best of the other three is reported,
plus one nurse's fully verified fit check (every signature checked). The goal (issue 5): 1,000 nurses/s.

Run: .venv/bin/python bench/bench_fit_check.py [--nurses N] [--databases sqlite,postgresql]
PostgreSQL is 127.0.0.1:5432 user postgres (PASSPORT_BENCH_POSTGRES_URL overrides); the bench creates
and drops a database of its own there.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

POSTGRES_URL = os.environ.get(
    "PASSPORT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
COMPETENCIES = 25
TODAY = date.today()


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-fit-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    name = f"passport_bench_fit_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    from alembic import command

    from passport.db import make_engine
    from tests.conftest import alembic_config

    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")
    engine.dispose()


def _subjects(item) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {
        "dbs-check": {
            "level": "enhanced",
            "workforce": "adult_and_child",
            "certificate_date": "2025-12-01",
            "update_service": True,
        },
        "professional-registration": {
            "pin": "12A3456E",
            "register_part": "RNMH",
            "expires_on": (TODAY + timedelta(days=300)).isoformat(),
        },
        "right-to-work": {
            "permission": "unrestricted",
            "check_method": "online_share_code",
            "checked_on": "2026-01-05",
        },
        "occupational-health": {"fitness_outcome": "fit", "assessed_on": "2026-01-10"},
        "mandatory-training": {
            "subject_code": "CSTF-FIRE",
            "level": 1,
            "completed_on": (TODAY - timedelta(days=30)).isoformat(),
        },
        "competency": {
            "framework_title": "Shared nursing competencies",
            "framework_uri": "https://passport.example/ims/case/v1p1/CFDocuments/x",
            "item_identifier": item.identifier,
            "item_uri": item.uri,
            "statement": item.full_statement,
            "proficiency": "competent",
            "assessed_on": "2026-02-01",
            "assessor_name": "Sam Assessor",
        },
    }


def build(session, nurses: int, rng: random.Random):  # type: ignore[no-untyped-def]
    from competencies.jobs import operations
    from passport.credentials.models import CredentialState, IssuedCredential
    from passport.credentials.operations import issue_credential
    from passport.reference.cstf import CSTF_SUBJECTS
    from passport.trusts.models import StaffMember
    from passport.trusts.operations import create_staff_member, create_trust
    from tests.support.job_factories import framework_item

    trust = create_trust(session, "RPG", "Oxleas NHS Foundation Trust", actor="bench")
    items = [framework_item(session, f"SLP-{n}", f"Shared competency {n}") for n in range(COMPETENCIES)]
    content = {
        "title": "Registered Nurse",
        "afc_band": "5",
        "staff_group": "NMR",
        "hours": "37.5",
        "reports_to": "Ward Manager",
        "accountable_to": "Director of Nursing",
        "purpose": "Nursing care.",
        "duties": [{"area": "Care", "duties": ["Care for patients."]}],
        "requirements": [
            {"kind": "credential", "credential_type": "dbs-check", "conditions": {"min_level": "enhanced"}},
            {
                "kind": "credential",
                "credential_type": "professional-registration",
                "conditions": {"register_parts": "nursing"},
            },
            {"kind": "credential", "credential_type": "right-to-work"},
            {
                "kind": "credential",
                "credential_type": "occupational-health",
                "conditions": {"fitness_outcomes": ["fit"]},
            },
            *[{"kind": "training", "cstf_subject": s.code, "min_level": 1} for s in CSTF_SUBJECTS],
            *[{"kind": "competency", "item": i.identifier, "min_proficiency": "competent"} for i in items],
        ],
    }
    version = operations.create_job_description(session, content, actor="bench")
    operations.submit_for_approval(session, version, actor="bench")
    operations.approve_version(session, version, trust, content_hash=version.content_hash, actor="bench")
    assert len(version.requirements) == 40

    template_nurse = create_staff_member(
        session,
        trust=trust,
        given_name="Tem",
        family_name="Plate",
        email="template@rpg.example",
        nmc_pin="12A3456E",
    )
    templates = {
        kind: issue_credential(
            session,
            issuer_trust=trust,
            subject=template_nurse,
            credential_type=kind,
            subject_data=data,
            actor="bench",
        )
        for kind, data in _subjects(items[0]).items()
    }
    session.flush()
    session.execute(
        insert(StaffMember),
        [
            {
                "trust_id": trust.id,
                "given_name": "Nurse",
                "family_name": f"N{n:05d}",
                "email": f"n{n}@rpg.example",
            }
            for n in range(nurses)
        ],
    )
    staff_ids = [
        row[0]
        for row in session.execute(text("SELECT id FROM staff_member WHERE email LIKE 'n%@rpg.example'"))
    ]
    # Beyond the lists' 131,072 places the template credentials drew theirs from: no clash.
    index = 200_000
    rows = []

    def add(staff_id: int, kind: str, claim_key: str, claim: dict, state=CredentialState.ACTIVE, until=None):  # type: ignore[no-untyped-def]
        nonlocal index
        template = templates[kind]
        document = copy.deepcopy(template.document)
        document["credentialSubject"][claim_key] = {**document["credentialSubject"][claim_key], **claim}
        uri = f"urn:uuid:{uuid.uuid4()}"
        document["id"] = uri
        index += 1
        rows.append(
            {
                "credential_uri": uri,
                "trust_id": trust.id,
                "staff_member_id": staff_id,
                "credential_type": kind,
                "title": template.title,
                "document": document,
                "signing_key_id": template.signing_key_id,
                "revocation_list_id": template.revocation_list_id,
                "revocation_index": index,
                "suspension_list_id": template.suspension_list_id,
                "suspension_index": index,
                "valid_from": template.valid_from,
                "valid_until": until or template.valid_until,
                "state": state,
                "issued_at": template.issued_at,
            }
        )

    soon = templates["mandatory-training"].valid_from + timedelta(days=20)
    for staff_id in staff_ids:
        revoked = rng.random() < 0.05
        add(
            staff_id,
            "dbs-check",
            "dbsCheck",
            {},
            CredentialState.REVOKED if revoked else CredentialState.ACTIVE,
        )
        add(staff_id, "professional-registration", "professionalRegistration", {})
        add(staff_id, "right-to-work", "rightToWork", {})
        add(staff_id, "occupational-health", "occupationalHealthClearance", {})
        skipped = rng.randrange(len(CSTF_SUBJECTS)) if rng.random() < 0.1 else None
        expiring = rng.random() < 0.1
        for n, subject in enumerate(CSTF_SUBJECTS):
            if n != skipped:
                until = soon if expiring and n == 0 else None
                add(
                    staff_id,
                    "mandatory-training",
                    "mandatoryTraining",
                    {"cstfSubject": subject.code},
                    until=until,
                )
        for item in items:
            add(
                staff_id, "competency", "competency", {"itemIdentifier": item.identifier, "itemUri": item.uri}
            )
        if len(rows) >= 20_000:
            session.execute(insert(IssuedCredential), rows)
            rows.clear()
    if rows:
        session.execute(insert(IssuedCredential), rows)
    session.commit()
    return version.id, trust.id, template_nurse.id, index - 200_000


def run(kind: str, nurses: int) -> str:
    from competencies.jobs import facts, operations
    from passport.app import create_app
    from passport.db import get_session
    from passport.trusts.models import StaffMember

    with database(kind) as url:
        _migrate(url)
        app = create_app({"PASSPORT_DATABASE_URL": url})
        with app.app_context():
            session = get_session()
            started = time.perf_counter()
            version_id, trust_id, template_id, credentials = build(session, nurses, random.Random(5))
            built = time.perf_counter() - started
            if kind == "postgresql":
                session.execute(text("ANALYZE"))  # what autovacuum does after a bulk load
                session.commit()
            times, verdicts = [], {}
            for _ in range(4):  # the first run also reads each credential's claim once (cold)
                session.expire_all()
                version = operations.get_version(session, version_id)
                started = time.perf_counter()
                rows = facts.fit_for_trust(session, version, trust_id)
                session.commit()
                times.append(time.perf_counter() - started)
                verdicts = {
                    v: sum(1 for r in rows if r.result.verdict == v)
                    for v in ("ready", "ready_with_expiring", "not_ready")
                }
            member = session.get(StaffMember, template_id)
            started = time.perf_counter()
            single = facts.fit_check(session, member, version)
            one = time.perf_counter() - started
            cold, best = times[0], min(times[1:])
            return (
                f"| {kind} | {len(rows):,} | {credentials:,} | {cold:.2f} s ({len(rows) / cold:,.0f}/s) | "
                f"{best:.2f} s | **{len(rows) / best:,.0f}** | "
                f"{verdicts['ready']:,} / {verdicts['ready_with_expiring']:,} / {verdicts['not_ready']:,} | "
                f"{one * 1000:.0f} ms ({single.verdict}) | {built:.0f} s |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nurses", type=int, default=5_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    lines = [
        f"Ready list for one trust: {args.nurses:,} nurses, a 40-requirement job description "
        "(goal 1,000 nurses/s).",
        "",
        "| database | nurses | credentials | first list (claims read) | list time (best of 3) | nurses/s "
        "| ready / expiring / not ready "
        "| one nurse, every signature verified | set-up |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for kind in args.databases.split(","):
        try:
            lines.append(run(kind.strip(), args.nurses))
        except Exception as error:  # a missing PostgreSQL server should not hide the SQLite figure
            lines.append(f"| {kind} | not run: {type(error).__name__}: {str(error).splitlines()[0][:120]} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
