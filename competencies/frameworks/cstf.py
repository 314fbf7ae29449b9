"""The Core Skills Training Framework as a CASE package, so it can be loaded as a shared framework.

The subjects, levels and refresher periods are reference data in ``passport.reference.cstf``; the
identifiers here never change, so every trust that loads it refers to the same subjects and levels.
"""

from __future__ import annotations

from competencies.frameworks.case_package import (
    CaseAssociation,
    CaseDocument,
    CaseItem,
    CaseNodeLink,
    CasePackage,
)
from passport.reference.cstf import (
    CSTF_DOCUMENT_CODE,
    CSTF_DOCUMENT_TITLE,
    CSTF_LAST_CHANGED,
    CSTF_OFFICIAL_SOURCE_URL,
    CSTF_SUBJECTS,
    cstf_identifier,
    cstf_level_code,
    describe_period,
)


def cstf_as_case_package(base_uri: str) -> CasePackage:
    """The CSTF as a CASE package: the document, one item per subject and one child item per subject level.

    ``base_uri`` is where this service serves CASE, e.g. "https://passport.example/ims/case/v1p1"; only the
    URIs depend on it, never the identifiers.
    """
    root = base_uri.rstrip("/")
    document_id = cstf_identifier(CSTF_DOCUMENT_CODE)
    document = CaseDocument(
        identifier=document_id,
        uri=f"{root}/CFDocuments/{document_id}",
        title=CSTF_DOCUMENT_TITLE,
        creator="Skills for Health",
        description="The statutory and mandatory training subjects for NHS trusts in England.",
        language="en",
        adoption_status="Adopted",
        last_change_date_time=CSTF_LAST_CHANGED,
        official_source_url=CSTF_OFFICIAL_SOURCE_URL,
    )
    document_link = CaseNodeLink(identifier=document_id, uri=document.uri, title=document.title)
    items: list[CaseItem] = []
    associations: list[CaseAssociation] = []

    def add_child(
        code: str, statement: str, parent: CaseNodeLink, position: int, **fields: str
    ) -> CaseNodeLink:
        item_id = cstf_identifier(code)
        item = CaseItem(
            identifier=item_id,
            uri=f"{root}/CFItems/{item_id}",
            full_statement=statement,
            human_coding_scheme=code,
            language="en",
            last_change_date_time=CSTF_LAST_CHANGED,
            **fields,
        )
        items.append(item)
        association_id = cstf_identifier(f"{code} isChildOf {parent.identifier}")
        associations.append(
            CaseAssociation(
                identifier=association_id,
                uri=f"{root}/CFAssociations/{association_id}",
                association_type="isChildOf",
                origin=CaseNodeLink(identifier=item_id, uri=item.uri, title=code),
                destination=parent,
                sequence_number=position,
                last_change_date_time=CSTF_LAST_CHANGED,
            )
        )
        return CaseNodeLink(identifier=item_id, uri=item.uri, title=code)

    for position, subject in enumerate(CSTF_SUBJECTS, start=1):
        subject_link = add_child(subject.code, subject.title, document_link, position, cf_item_type="Subject")
        for subject_level in subject.levels:
            add_child(
                cstf_level_code(subject.code, subject_level.level),
                f"{subject.title}: level {subject_level.level}",
                subject_link,
                subject_level.level,
                cf_item_type="Level",
                list_enumeration=str(subject_level.level),
                notes=f"Default refresher: {describe_period(subject_level.refresher_months)}.",
            )
    return CasePackage(document=document, items=tuple(items), associations=tuple(associations))
