"""Every feature's models, imported in one place so Alembic and the tests see the whole schema."""

from competencies.frameworks.models import (
    Crosswalk,
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    ProficiencyLevel,
    ProficiencyScale,
    SignOff,
    TrustRefresherSetting,
)
from competencies.jobs.models import CredentialFact, JobAdoption, JobDescription, JobRequirement, JobVersion
from passport.audit.models import AuditEvent
from passport.auth.models import ApiToken, UserAccount, UserRole
from passport.background.models import Job, JobFile, JobLock
from passport.corrections.models import CorrectionRequest
from passport.credentials.models import IssuedCredential, SigningKey, StatusList
from passport.db import Base
from passport.metrics.models import PublishedSickness
from passport.passports.models import Share, ShareOpening
from passport.record_keeping.models import LegalHold
from passport.secondments.models import Notification, OutboxEmail, Secondment, SecondmentStep
from passport.subject_access.models import RecordView, SubjectAccessRequest
from passport.trusts.models import Partnership, StaffMember, Trust
from passport.workforce.models import Absence, Assignment, ImportRun

__all__ = [
    "Absence",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "Base",
    "CorrectionRequest",
    "CredentialFact",
    "Crosswalk",
    "Framework",
    "FrameworkAssociation",
    "FrameworkItem",
    "FrameworkVersion",
    "ImportRun",
    "IssuedCredential",
    "Job",
    "JobFile",
    "JobLock",
    "JobAdoption",
    "JobDescription",
    "JobRequirement",
    "JobVersion",
    "LegalHold",
    "Notification",
    "OutboxEmail",
    "Partnership",
    "ProficiencyLevel",
    "ProficiencyScale",
    "PublishedSickness",
    "RecordView",
    "Secondment",
    "SecondmentStep",
    "Share",
    "SignOff",
    "ShareOpening",
    "SigningKey",
    "StaffMember",
    "StatusList",
    "SubjectAccessRequest",
    "Trust",
    "TrustRefresherSetting",
    "UserAccount",
    "UserRole",
]
