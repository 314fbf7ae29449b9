"""From the database to the fit check: requirements as ``Need`` values, stored credentials as ``Fact``
values, and the fit check of one nurse or of a whole trust.

Two ways to decide that a credential counts:
- for one nurse, every credential is verified by the verifier (signature, trusted issuer, key state,
  validity window, revocation and suspension status lists): what a nurse's fit check shows;
- for "who in my trust is ready", the same conditions are read set-based from the issuers' register
  (the credential's state, validity window, its issuer a member trust, its key not compromised when it
  signed), from which the status lists themselves are published. This is a few queries for a whole trust
  rather than thousands of signature checks; opening one nurse's check verifies every signature. Each
  credential's claim is read from its (immutable) signed document once and kept in
  ``job_credential_fact``, so the list reads plain columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, false, insert, or_, select
from sqlalchemy.orm import Session

from competencies.jobs.fit_check import (
    DEFAULT_EXPIRING_DAYS,
    Fact,
    FactIndex,
    FitResult,
    Need,
    evaluate,
)
from competencies.jobs.models import CredentialFact, JobRequirement, JobVersion
from competencies.jobs.requirements import BENNER_LEVELS
from passport.credentials.models import CredentialState, IssuedCredential, KeyState, SigningKey
from passport.db import utcnow
from passport.gc_pause import cycle_collector_paused
from passport.trusts.models import StaffMember
from passport.workforce.models import Assignment

EXACT_MATCH = "exactMatchOf"
UK = ZoneInfo("Europe/London")
_KIND_TYPE = {"training": "mandatory-training", "competency": "competency"}


def _rank(scale: tuple[str, ...], code: object) -> int | None:
    if isinstance(code, str):
        key = code.strip().lower().replace(" ", "_").replace("-", "_")
        for levels in (scale, BENNER_LEVELS):
            if key in levels:
                return levels.index(key) + 1
    return None


def _scales(session: Session, references: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The proficiency scale (level codes, lowest first) of each item's framework, by identifier and URI."""
    from competencies.frameworks.models import (
        Framework,
        FrameworkItem,
        FrameworkVersion,
        ProficiencyLevel,
        ProficiencyScale,
    )

    wanted = sorted(set(references))
    if not wanted:
        return {}
    rows = session.execute(
        select(FrameworkItem.identifier, FrameworkItem.uri, ProficiencyLevel.code, ProficiencyLevel.position)
        .join(FrameworkVersion, FrameworkVersion.id == FrameworkItem.version_id)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .join(ProficiencyScale, ProficiencyScale.framework_id == Framework.id)
        .join(ProficiencyLevel, ProficiencyLevel.scale_id == ProficiencyScale.id)
        .where(or_(FrameworkItem.identifier.in_(wanted), FrameworkItem.uri.in_(wanted)))
        .order_by(ProficiencyLevel.position)
    ).all()
    levels: dict[str, list[str]] = defaultdict(list)
    for identifier, uri, code, _position in rows:
        levels[identifier].append(code)
        levels[uri].append(code)
    return {key: tuple(codes) for key, codes in levels.items()}


def _exact_matches(session: Session, identifiers: set[str]) -> dict[str, list[tuple[str, str, str]]]:
    """For each required item identifier, the items an exact-match crosswalk (either way) or a CASE
    exactMatchOf association makes equivalent: (identifier, uri, label)."""
    from competencies.frameworks.models import Crosswalk, FrameworkAssociation, FrameworkItem

    if not identifiers:
        return {}
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    items = {
        item.id: item
        for item in session.scalars(select(FrameworkItem).where(FrameworkItem.identifier.in_(identifiers)))
    }
    if items:
        walks = session.scalars(
            select(Crosswalk).where(
                Crosswalk.association_type == EXACT_MATCH,
                or_(Crosswalk.shared_item_id.in_(items), Crosswalk.local_item_id.in_(items)),
            )
        )
        for walk in walks:
            required, other = (
                (walk.shared_item, walk.local_item)
                if walk.shared_item_id in items
                else (walk.local_item, walk.shared_item)
            )
            label = other.human_coding_scheme or other.full_statement[:80]
            found[required.identifier].append(
                (other.identifier, other.uri, f"an exact-match crosswalk from {label}")
            )
    associations = session.scalars(
        select(FrameworkAssociation).where(
            FrameworkAssociation.association_type == EXACT_MATCH,
            or_(
                FrameworkAssociation.origin_identifier.in_(identifiers),
                FrameworkAssociation.destination_identifier.in_(identifiers),
            ),
        )
    )
    for association in associations:
        if association.destination_identifier in identifiers:
            required, other, uri, title = (
                association.destination_identifier,
                association.origin_identifier,
                association.origin_uri,
                association.origin_title,
            )
        else:
            required, other, uri, title = (
                association.origin_identifier,
                association.destination_identifier,
                association.destination_uri,
                association.destination_title,
            )
        found[required].append((other, uri or other, f"an exact match with {title or other}"))
    return found


def needs_for(session: Session, version: JobVersion) -> list[Need]:
    """The version's requirements ready to test, competencies widened by exact-match crosswalks."""
    requirements: list[JobRequirement] = list(version.requirements)
    identifiers = {r.item_identifier for r in requirements if r.kind == "competency" and r.item_identifier}
    matches = _exact_matches(session, identifiers)
    scales = _scales(session, identifiers)
    needs = []
    for r in requirements:
        items: dict[str, str] = {}
        min_rank = None
        if r.kind == "competency" and r.item_identifier:
            items = {r.item_identifier: "", **({r.item_uri: ""} if r.item_uri else {})}
            for identifier, uri, via in matches.get(r.item_identifier, []):
                items.setdefault(identifier, via)
                items.setdefault(uri, via)
            min_rank = _rank(scales.get(r.item_identifier, BENNER_LEVELS), r.min_proficiency)
        needs.append(
            Need(
                key=str(r.position),
                kind=r.kind,  # type: ignore[arg-type]
                label=r.label,
                essential=r.essential,
                credential_type=r.credential_type or _KIND_TYPE.get(r.kind),
                conditions=r.conditions or {},
                cstf_subject=r.cstf_subject,
                min_level=r.min_level,
                items=items,
                min_rank=min_rank,
                min_proficiency=r.min_proficiency,
            )
        )
    return needs


def _claim(credential_type: str, subject: Any) -> dict[str, Any]:
    """The claim of a credential's subject: ``credentialSubject.dbsCheck`` and so on."""
    if not isinstance(subject, dict):
        return {}
    for value in subject.values():
        if isinstance(value, dict):
            return value
    return {}


def _with_ranks(session: Session, facts: list[tuple[int, Fact]]) -> list[tuple[int, Fact]]:
    references = [
        ref
        for _, fact in facts
        if fact.credential_type == "competency"
        for ref in (fact.attributes.get("itemIdentifier"), fact.attributes.get("itemUri"))
        if isinstance(ref, str)
    ]
    scales = _scales(session, references)
    ranked = []
    for staff_id, fact in facts:
        if fact.credential_type == "competency":
            scale = scales.get(fact.attributes.get("itemIdentifier", "")) or scales.get(
                fact.attributes.get("itemUri", ""), BENNER_LEVELS
            )
            rank = _rank(scale, fact.attributes.get("proficiency"))
            fact = replace(fact, proficiency_rank=rank)
        ranked.append((staff_id, fact))
    return ranked


def _types_needed(needs: list[Need]) -> list[str]:
    return sorted({need.credential_type for need in needs if need.credential_type})


# Which claim attribute is the key a requirement matches on, and which the level it compares.
_KEY_AND_LEVEL = {
    "dbs-check": ("workforce", "level"),
    "professional-registration": ("registerPart", None),
    "occupational-health": ("fitnessOutcome", None),
    "mandatory-training": ("cstfSubject", "level"),
    "competency": ("itemIdentifier", "proficiency"),
}


def _fact_columns(kind: str, claim: dict[str, Any]) -> dict[str, Any]:
    key_name, level_name = _KEY_AND_LEVEL.get(kind, (None, None))
    key = claim.get(key_name) if key_name else None
    level = claim.get(level_name) if level_name else None
    uri = claim.get("itemUri") if kind == "competency" else None
    return {
        "subject_key": str(key)[:255] if key is not None else None,
        "item_uri": str(uri) if uri is not None else None,
        "level": str(level)[:64] if level is not None else None,
    }


def _attributes(kind: str, key: str | None, uri: str | None, level: str | None) -> dict[str, Any]:
    """The claim as the fit check reads it, back from the kept columns."""
    key_name, level_name = _KEY_AND_LEVEL.get(kind, (None, None))
    attributes: dict[str, Any] = {}
    if key_name and key is not None:
        attributes[key_name] = key
    if level_name and level is not None:
        attributes[level_name] = int(level) if kind == "mandatory-training" and level.isdigit() else level
    if uri is not None:
        attributes["itemUri"] = uri
    return attributes


def record_new_facts(session: Session, staff_ids: Any = None, types: Iterable[str] | None = None) -> int:
    """Keep the claim of every credential (of these staff, of these types; default: all) that has no kept
    fact yet, read from its JSON once. A write: run from a job, never from a page view."""
    credential, fact = IssuedCredential.__table__.c, CredentialFact.__table__.c
    conditions = [
        credential.credential_type.in_(sorted(types or _KEY_AND_LEVEL)),
        ~select(fact.id).where(fact.credential_id == credential.id).exists(),
    ]
    if staff_ids is not None:
        conditions.append(credential.staff_member_id.in_(staff_ids))
    new = (
        session.connection()
        .execute(
            select(credential.id, credential.credential_type, credential.document["credentialSubject"]).where(
                *conditions
            )
        )
        .fetchall()
    )
    rows = [
        {"credential_id": cid, "credential_type": kind, **_fact_columns(kind, _claim(kind, subject))}
        for cid, kind, subject in new
    ]
    for start in range(0, len(rows), 5_000):
        session.execute(insert(CredentialFact), rows[start : start + 5_000])
    return len(rows)


def register_facts(
    session: Session, trust_id: int, needs: list[Need], *, now: datetime
) -> dict[int, list[Fact]]:
    """Facts for a trust's whole staff (``listed_staff``) at once, from the issuers' register (see the
    module's note).

    Only credentials that count are read: active, inside their validity window, signed by a key that
    was not compromised when it signed. Claims come from ``job_credential_fact`` where they are kept; a
    credential issued since the last keeping (``record_new_facts``, a periodic job) is read from its JSON
    here. Nothing is written: the ready list is a page view.
    """
    credential, fact = IssuedCredential.__table__.c, CredentialFact.__table__.c
    types = _types_needed(needs)
    staff_ids = listed_staff(trust_id, now.astimezone(UK).date(), StaffMember.id)
    conditions = [
        credential.staff_member_id.in_(staff_ids),
        credential.credential_type.in_(types),
        credential.state == CredentialState.ACTIVE,
        credential.valid_from <= now,
        or_(credential.valid_until.is_(None), credential.valid_until > now),
    ]
    # Compromised keys are few (usually none): what they signed before compromise still counts.
    for key_id, compromised_at in session.execute(
        select(SigningKey.id, SigningKey.compromised_at).where(SigningKey.state == KeyState.COMPROMISED)
    ):
        signed_safely = credential.issued_at < compromised_at if compromised_at is not None else false()
        conditions.append(or_(credential.signing_key_id != key_id, signed_safely))
    counted = (
        credential.staff_member_id,
        credential.credential_uri,
        credential.credential_type,
        credential.title,
    )
    kept = (
        select(*counted, fact.subject_key, fact.item_uri, fact.level, credential.valid_until)
        .select_from(IssuedCredential.__table__)
        .join(CredentialFact.__table__, fact.credential_id == credential.id)
        .where(*conditions)
    )
    not_kept = select(*counted, credential.document["credentialSubject"], credential.valid_until).where(
        *conditions, ~select(fact.id).where(fact.credential_id == credential.id).exists()
    )
    rows = session.connection().execute(kept).fetchall()
    for staff_id, uri, kind, title, subject, valid_until in session.connection().execute(not_kept):
        read = _fact_columns(kind, _claim(kind, subject))
        key, item_uri, level = read["subject_key"], read["item_uri"], read["level"]
        rows.append((staff_id, uri, kind, title, key, item_uri, level, valid_until))
    wanted_items = {item for need in needs for item in need.items}
    scales = _scales(session, wanted_items)
    ranks: dict[tuple[str, object], int | None] = {}
    attributes_of: dict[tuple[str, str | None, str | None, str | None], dict[str, Any]] = {}
    grouped: dict[int, list[Fact]] = defaultdict(list)
    for staff_id, uri, kind, title, key, item_uri, level, valid_until in rows:
        rank = None
        if kind == "competency":
            item = key if key in wanted_items else item_uri
            if item not in wanted_items:
                continue  # a competency no requirement of this version can use
            if (item, level) not in ranks:
                ranks[(item, level)] = _rank(scales.get(item, BENNER_LEVELS), level)
            rank = ranks[(item, level)]
        # Nurses share most claims (the same CSTF subject at the same level): build each dict once.
        signature = (kind, key, item_uri, level)
        attributes = attributes_of.get(signature)
        if attributes is None:
            attributes = attributes_of[signature] = _attributes(kind, key, item_uri, level)
        grouped[staff_id].append(Fact(uri, kind, title, attributes, valid_until, True, None, rank))
    return grouped


def verified_facts(session: Session, member: StaffMember, needs: list[Need], *, now: datetime) -> list[Fact]:
    """One nurse's facts, each credential verified by the verifier (signature, issuer, key, window and
    status lists) exactly as a passport presented to another trust would be."""
    from passport.credentials.did import public_url
    from passport.credentials.directory import DatabaseIssuerDirectory, DatabaseStatusListSource
    from passport.credentials.verification import verify_credential

    base = public_url()
    issuers = DatabaseIssuerDirectory(session, base)
    status_lists = DatabaseStatusListSource(session, base)
    credentials = session.scalars(
        select(IssuedCredential).where(
            IssuedCredential.staff_member_id == member.id,
            IssuedCredential.credential_type.in_(_types_needed(needs)),
        )
    )
    reports = [
        (
            credential,
            verify_credential(credential.document, issuers=issuers, status_lists=status_lists, now=now),
        )
        for credential in credentials
    ]
    return facts_from_reports(session, member.id, reports)


def facts_from_reports(
    session: Session, member_id: int, reports: list[tuple[IssuedCredential, Any]]
) -> list[Fact]:
    """Facts from credentials already verified (each with its verifier's report): a passport shared
    with a trust is judged on what the nurse chose to present, as it was verified on the page."""
    facts: list[tuple[int, Fact]] = []
    for credential, report in reports:
        failed = next((check for check in report.checks if not check.passed), None)
        subject = (
            credential.document.get("credentialSubject") if isinstance(credential.document, dict) else None
        )
        fact = Fact(
            credential.credential_uri,
            credential.credential_type,
            credential.title,
            _claim(credential.credential_type, subject),
            credential.valid_until,
            report.verified,
            None if failed is None else failed.message.rstrip("."),
        )
        facts.append((member_id, fact))
    return [fact for _, fact in _with_ranks(session, facts)]


def fit_check(
    session: Session,
    member: StaffMember,
    version: JobVersion,
    *,
    now: datetime | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_DAYS,
) -> FitResult:
    """One nurse against one job description version, every credential verified."""
    moment = now or utcnow()
    needs = needs_for(session, version)
    facts = verified_facts(session, member, needs, now=moment)
    return evaluate(needs, facts, now=moment, expiring_within_days=expiring_within_days)


@dataclass(frozen=True, slots=True)
class StaffFit:
    staff_member_id: int
    name: str
    email: str
    result: FitResult


def listed_staff(trust_id: int, on: date, *columns: Any) -> Select:
    """The people "who is ready" is about: the trust's staff records, less those who have left it.

    Staff records, never user accounts: HR, directors and partnership admins sign in with accounts that
    have no staff record (a nurse's or assessor's account points at hers), so they are never listed.
    A staff record belongs to her current trust (``StaffMember.trust_id``). She has left it when its
    workforce records say so: she holds assignments at this trust and none is still open on ``on`` (no
    end date, or one on or after it; a post starting later counts: she is joining). With no assignment
    here at all (HR recorded her before any ESR import, or only a secondee post at a host trust is
    recorded) she is listed. Posts at other trusts decide nothing here: a secondment elsewhere is not
    leaving, as in the workforce figures (docs/metrics.md).
    """
    here = and_(Assignment.staff_member_id == StaffMember.id, Assignment.trust_id == trust_id)
    still_open = or_(Assignment.end_date.is_(None), Assignment.end_date >= on)
    return select(*columns).where(
        StaffMember.trust_id == trust_id, or_(~exists().where(here), exists().where(here, still_open))
    )


_VERDICT_ORDER = {"ready": 0, "ready_with_expiring": 1, "not_ready": 2}


def _gaps(result: FitResult) -> int:
    """How far she is from the job: her essential requirements missing or below level."""
    return sum(1 for r in result.results if r.essential and r.outcome in ("missing", "below_level"))


def fit_for_trust(
    session: Session,
    version: JobVersion,
    trust_id: int,
    *,
    now: datetime | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_DAYS,
) -> list[StaffFit]:
    """The trust's staff (``listed_staff``) against the version, set-based: a few queries however many
    staff. Ready first (then ready with items expiring soon), then the closest to ready (fewest gaps),
    then by family name and given name."""
    with cycle_collector_paused():  # see passport/gc_pause.py
        return _fit_for_trust(session, version, trust_id, now or utcnow(), expiring_within_days)


def _fit_for_trust(
    session: Session, version: JobVersion, trust_id: int, moment: datetime, expiring_within_days: int
) -> list[StaffFit]:
    needs = needs_for(session, version)
    columns = (StaffMember.id, StaffMember.given_name, StaffMember.family_name, StaffMember.email)
    staff = session.execute(listed_staff(trust_id, moment.astimezone(UK).date(), *columns)).all()
    facts = register_facts(session, trust_id, needs, now=moment)
    ranked = []
    for staff_id, given, family, email in staff:
        result = evaluate(
            needs, FactIndex(facts.get(staff_id, ())), now=moment, expiring_within_days=expiring_within_days
        )
        order = (_VERDICT_ORDER[result.verdict], _gaps(result), family.casefold(), given.casefold(), staff_id)
        ranked.append((order, StaffFit(staff_id, f"{given} {family}", email, result)))
    ranked.sort(key=lambda pair: pair[0])
    return [fit for _, fit in ranked]


def fit_report(member: StaffMember, version: JobVersion, result: FitResult) -> dict[str, Any]:
    """A fit check as the API, the CLI and the export give it."""
    return {
        "job": version.id,
        "title": version.title,
        "staff_member": member.id,
        "email": member.email,
        "name": member.full_name,
        **result.to_dict(),
    }


def fits_for_member(
    session: Session,
    member: StaffMember,
    versions: list[JobVersion],
    *,
    now: datetime | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_DAYS,
) -> list[tuple[JobVersion, FitResult]]:
    """One nurse against several versions, each of her credentials verified once."""
    moment = now or utcnow()
    needs_by_version = [(version, needs_for(session, version)) for version in versions]
    every_need = [need for _, needs in needs_by_version for need in needs]
    index = FactIndex(verified_facts(session, member, every_need, now=moment))
    return [
        (version, evaluate(needs, index, now=moment, expiring_within_days=expiring_within_days))
        for version, needs in needs_by_version
    ]


def fits_for_presented(
    session: Session,
    member_id: int,
    reports: list[tuple[IssuedCredential, Any]],
    versions: list[JobVersion],
    *,
    now: datetime | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_DAYS,
) -> list[tuple[JobVersion, FitResult]]:
    """What a shared passport shows against several job descriptions: only the credentials presented
    count, and only those that verified."""
    moment = now or utcnow()
    index = FactIndex(facts_from_reports(session, member_id, reports))
    return [
        (
            version,
            evaluate(
                needs_for(session, version), index, now=moment, expiring_within_days=expiring_within_days
            ),
        )
        for version in versions
    ]
