"""Words for the audit log: what each recorded action, kind of record and non-person actor means.

The codes stay in the log (support staff and the API search by them); people read these phrases.
Every action the code records must have words here, and nothing here may be an action no code records:
``tests/unit/core/test_audit_words.py`` scans the source for both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A group of actions for the log's filter, with the code prefixes it covers."""

    key: str
    title: str
    actions: dict[str, str]

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(sorted({code.split(".", 1)[0] + "." for code in self.actions}))


TOPICS: tuple[Topic, ...] = (
    Topic(
        "accounts",
        "Signing in and accounts",
        {
            "auth.signed_in": "Signed in",
            "auth.signed_out": "Signed out",
            "auth.signed_out_everywhere": "Signed out on every device",
            "auth.sign_in_failed": "Sign-in failed",
            "auth.sign_in_refused_waiting": "Sign-in refused after too many failed attempts",
            "user.created": "Account created",
            "user.deactivated": "Account deactivated",
            "api_token.created": "API token created",
            "api_token.revoked": "API token revoked",
        },
    ),
    Topic(
        "trusts",
        "Trusts and staff records",
        {
            "trust.created": "Trust added to the partnership",
            "trust.sickness_target_set": "Trust sickness absence target set",
            "trust.sickness_target_cleared": "Trust sickness absence target removed",
            "staff.created": "Staff record created",
            "legal_hold.placed": "Legal hold placed on a person's records",
            "legal_hold.released": "Legal hold released",
            "retention.applied": "Records past their retention date anonymised or deleted",
        },
    ),
    Topic(
        "credentials",
        "Credentials and signing keys",
        {
            "credential.issued": "Credential issued",
            "credential.bulk_issued": "Credentials issued in bulk",
            "credential.revoked": "Credential revoked",
            "credential.suspended": "Credential suspended",
            "credential.reinstated": "Credential reinstated",
            "signing_key.created": "Trust signing key created",
            "signing_key.compromised": "Trust signing key reported compromised",
            "signing_key.kek_rotated": "Signing keys re-encrypted with a new key",
        },
    ),
    Topic(
        "passports",
        "Passports and shares",
        {
            "passport.shared": "Passport shared",
            "passport.share_opened": "Shared passport opened",
            "passport.share_downloaded": "Shared passport downloaded",
            "passport.share_verified": "Shared passport checked by the receiving trust",
            "passport.share_revoked": "Share link withdrawn",
            "passport.share_removed": "Expired share link removed",
            "passport.exported": "Passport exported to a file",
            "subject_data.exported": "Everything held about a person exported (subject access)",
            "subject_access.request_recorded": "Subject access request recorded",
            "subject_access.request_answered": "Subject access request answered",
            "correction.requested": "Correction of a record asked for",
            "correction.accepted": "Correction accepted and made",
            "correction.declined": "Correction declined",
        },
    ),
    Topic(
        "secondments",
        "Secondments",
        {
            "secondment.propose": "Secondment proposed by the host trust",
            "secondment.approve": "Secondment approved by the home trust",
            "secondment.decline": "Secondment declined by the home trust",
            "secondment.consent": "Secondment agreed to by the nurse",
            "secondment.refuse": "Secondment declined by the nurse",
            "secondment.activate": "Secondment started",
            "secondment.request_extension": "Secondment extension asked for",
            "secondment.agree_extension": "Secondment extension agreed",
            "secondment.decline_extension": "Secondment extension declined",
            "secondment.end_early": "Secondment ended early",
            "secondment.complete": "Secondment completed",
            "secondment.cancel": "Secondment cancelled",
            "secondment.fit_check_overridden": "Secondment approved despite gaps in the fit check",
        },
    ),
    Topic(
        "workforce",
        "Absences, leavers and imports",
        {
            "absence.recorded": "Absence recorded",
            "absence.ended": "Absence end recorded",
            "assignment.leaver_recorded": "Leaver recorded",
            "import.assignments": "ESR assignments file imported",
            "import.absences": "ESR absences file imported",
        },
    ),
    Topic(
        "jobs",
        "Job descriptions",
        {
            "job.created": "Job description created",
            "job.updated": "Job description draft changed",
            "job.submitted": "Job description put to approval",
            "job.approved": "Job description approved by a trust",
            "job.local_values_set": "Job description local details set",
            "job.versioned": "New job description version started",
            "job.fit_checked": "Fit check run",
        },
    ),
    Topic(
        "frameworks",
        "Competency frameworks and training",
        {
            "framework.imported": "Competency framework imported",
            "framework.version_started": "New framework version started",
            "framework.item_added": "Framework competency added",
            "framework.item_edited": "Framework competency changed",
            "framework.item_removed": "Framework competency removed",
            "framework.published": "Framework published",
            "framework.crosswalk_added": "Local competency mapped to a shared one",
            "framework.crosswalk_removed": "Mapping to a shared competency removed",
            "framework.signed_off": "Competency signed off",
            "framework.sign_off_withdrawn": "Competency sign-off withdrawn",
            "framework.cstf_loaded": "Core Skills Training Framework loaded",
            "framework.scale_created": "Proficiency scale created",
            "framework.scale_renamed": "Proficiency scale renamed",
            "framework.scale_level_added": "Proficiency level added",
            "framework.scale_level_changed": "Proficiency level changed",
            "framework.scale_level_moved": "Proficiency level moved",
            "framework.scale_level_removed": "Proficiency level removed",
            "framework.refresher_set": "Training refresher period set",
        },
    ),
    Topic(
        "figures",
        "Published figures",
        {"metrics.published_sickness_imported": "Published NHS sickness figures imported"},
    ),
)

ACTION_WORDS: dict[str, str] = {code: words for topic in TOPICS for code, words in topic.actions.items()}
TOPIC_BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}
TOPIC_FILTER_PREFIX = "topic:"

# The kinds of record an event is about (``AuditEvent.record_type``).
RECORD_WORDS: dict[str, str] = {
    "absence": "Absence",
    "api_token": "API token",
    "assignment": "Assignment",
    "competency_sign_off": "Competency sign-off",
    "correction_request": "Correction request",
    "framework_crosswalk": "Competency mapping",
    "framework_item": "Framework competency",
    "framework_version": "Framework version",
    "import_run": "ESR import",
    "issued_credential": "Credential",
    "job_version": "Job description version",
    "passport_share": "Passport share",
    "proficiency_scale": "Proficiency scale",
    "published_sickness": "Published sickness figures",
    "secondment": "Secondment",
    "signing_key": "Signing key",
    "staff_member": "Staff record",
    "trust": "Trust",
    "trust_refresher_setting": "Training refresher setting",
    "user_account": "Account",
}

# Who did it, when it was not a signed-in person (``AuditEvent.actor_label`` is otherwise an email).
ACTOR_WORDS: dict[str, str] = {
    "anonymous": "Someone not signed in",
    "cli": "Support staff (command line)",
    "seed-demo": "Demo set-up",
    "secondments-tick": "The service (daily secondment check)",
    "system": "The service",
}
# Labels that start the same way and end with a number, such as "background job 17".
ACTOR_PREFIX_WORDS: dict[str, str] = {"background job ": "The service (background job {rest})"}


def action_words(code: str) -> str:
    """The phrase for an action; an action this version does not know (an old one) shows as its code."""
    return ACTION_WORDS.get(code, code)


def record_words(record_type: str | None) -> str:
    if not record_type:
        return ""
    return RECORD_WORDS.get(record_type, record_type.replace("_", " ").capitalize())


def actor_words(label: str | None) -> str:
    if not label:
        return ACTOR_WORDS["anonymous"]
    if label in ACTOR_WORDS:
        return ACTOR_WORDS[label]
    for prefix, words in ACTOR_PREFIX_WORDS.items():
        if label.startswith(prefix):
            return words.format(rest=label.removeprefix(prefix))
    return label


def filter_words(value: str) -> str:
    """How the log's filter is described: the action's phrase, the topic's title, or what was typed."""
    if value in ACTION_WORDS:
        return ACTION_WORDS[value]
    topic = topic_of_filter(value)
    if topic is not None:
        return topic.title
    return f"actions whose code starts {value}"


def is_offered_filter(value: str) -> bool:
    """Whether the filter's list offers this value (an action or a topic), rather than it being typed."""
    return value in ACTION_WORDS or topic_of_filter(value) is not None


def topic_of_filter(value: str) -> Topic | None:
    if not value.startswith(TOPIC_FILTER_PREFIX):
        return None
    return TOPIC_BY_KEY.get(value.removeprefix(TOPIC_FILTER_PREFIX))
