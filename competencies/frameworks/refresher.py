"""The Core Skills Training Framework as a shared framework, and each trust's refresher periods.
Plain functions on a Session; never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from competencies.frameworks.case_import import check_against_database, store_package
from competencies.frameworks.cstf import cstf_as_case_package
from competencies.frameworks.models import Framework, FrameworkVersion, TrustRefresherSetting, VersionStatus
from passport.audit.operations import record_event
from passport.credentials.operations import REFRESHER_PERIOD_PROVIDERS
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput, NotFound
from passport.reference import cstf

MAX_REFRESHER_MONTHS = 120


def cstf_version(session: Session) -> FrameworkVersion | None:
    return session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.document_identifier == cstf.cstf_identifier(cstf.CSTF_DOCUMENT_CODE))
        .order_by(FrameworkVersion.id.desc())
        .limit(1)
    )


def load_cstf(session: Session, *, base_uri: str, actor: object) -> tuple[FrameworkVersion, bool]:
    """Load the CSTF as a shared, published framework; (version, False) when it is already there."""
    existing = cstf_version(session)
    if existing is not None:
        return existing, False
    package = cstf_as_case_package(base_uri)
    problems = check_against_database(session, package)
    if problems:
        raise Conflict("; ".join(f"{p.path}: {p.reason}" for p in problems[:3]))
    framework = Framework(
        identifier=str(uuid.uuid5(cstf.CSTF_UUID_NAMESPACE, "framework")),
        owner_trust_id=None,
        title=package.document.title,
        source_identifier=package.document.identifier,
        source_uri=package.document.uri,
    )
    session.add(framework)
    from competencies.frameworks.operations import add_default_scale

    add_default_scale(session, framework)
    version = store_package(session, package, framework=framework, status=VersionStatus.PUBLISHED)
    record_event(
        session,
        actor=actor,
        action="framework.cstf_loaded",
        record_type="framework_version",
        record_id=version.id,
        details={"document_identifier": version.document_identifier},
    )
    return version, True


def _cstf_level(subject_code: str, level: int) -> cstf.CstfLevel:
    subject = cstf.CSTF_SUBJECTS_BY_CODE.get(subject_code)
    if subject is None:
        raise NotFound(f"There is no CSTF subject {subject_code!r}.", field="subject_code")
    for subject_level in subject.levels:
        if subject_level.level == level:
            return subject_level
    raise NotFound(f"{subject.title} has no level {level}.", field="level")


def refresher_months_for(session: Session, trust_id: int, subject_code: str, level: int) -> int:
    """How many months training in a CSTF subject level stays valid at ``trust_id``: the trust's own
    setting, else the CSTF default. Raises NotFound for an unknown subject or level."""
    default = _cstf_level(subject_code, level).refresher_months
    months = session.scalar(
        select(TrustRefresherSetting.months).where(
            TrustRefresherSetting.trust_id == trust_id,
            TrustRefresherSetting.subject_code == subject_code,
            TrustRefresherSetting.level == level,
        )
    )
    return default if months is None else months


@dataclass(frozen=True)
class RefresherRow:
    subject_code: str
    subject_title: str
    level: int
    default_months: int
    months: int

    @property
    def is_default(self) -> bool:
        return self.months == self.default_months


def refresher_table(session: Session, trust_id: int) -> list[RefresherRow]:
    own = {
        (row.subject_code, row.level): row.months
        for row in session.scalars(
            select(TrustRefresherSetting).where(TrustRefresherSetting.trust_id == trust_id)
        )
    }
    return [
        RefresherRow(
            subject.code,
            subject.title,
            level.level,
            level.refresher_months,
            own.get((subject.code, level.level), level.refresher_months),
        )
        for subject in cstf.CSTF_SUBJECTS
        for level in subject.levels
    ]


def set_refresher_months(
    session: Session, *, trust_id: int, subject_code: str, level: int, months: int, actor: Any
) -> RefresherRow:
    subject_level = _cstf_level(subject_code, level)
    if not 1 <= months <= MAX_REFRESHER_MONTHS:
        raise InvalidInput(f"Enter a number of months from 1 to {MAX_REFRESHER_MONTHS}.", field="months")
    setting = session.scalar(
        select(TrustRefresherSetting).where(
            TrustRefresherSetting.trust_id == trust_id,
            TrustRefresherSetting.subject_code == subject_code,
            TrustRefresherSetting.level == level,
        )
    )
    previous = setting.months if setting else subject_level.refresher_months
    if setting is None:
        setting = TrustRefresherSetting(
            trust_id=trust_id, subject_code=subject_code, level=level, months=months
        )
        session.add(setting)
    setting.months = months
    setting.updated_at = utcnow()
    setting.updated_by_id = getattr(actor, "id", None)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.refresher_set",
        record_type="trust_refresher_setting",
        record_id=setting.id,
        trust_id=trust_id,
        details={"subject": subject_code, "level": level, "months": months, "previous": previous},
    )
    subject = cstf.CSTF_SUBJECTS_BY_CODE[subject_code]
    return RefresherRow(subject_code, subject.title, level, subject_level.refresher_months, months)


# Training credentials issued by a trust expire by that trust's refresher period.
REFRESHER_PERIOD_PROVIDERS.append(refresher_months_for)
