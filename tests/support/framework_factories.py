"""Factories for competency frameworks, and a helper building a small published framework through the
real importer (so tests exercise the same path as production)."""

from __future__ import annotations

import uuid
from typing import Any

import factory
from sqlalchemy.orm import Session

from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.models import (
    Framework,
    FrameworkItem,
    FrameworkVersion,
    TrustRefresherSetting,
    VersionStatus,
)
from tests.support.factories import TrustFactory, _Base, register

BASE = "https://passport.test/ims/case/v1p1"


class FrameworkFactory(_Base):
    class Meta:
        model = Framework

    identifier = factory.LazyFunction(lambda: str(uuid.uuid4()))
    owner_trust = None
    title = factory.Sequence(lambda n: f"Framework {n}")


class FrameworkVersionFactory(_Base):
    class Meta:
        model = FrameworkVersion

    identifier = factory.LazyFunction(lambda: str(uuid.uuid4()))
    framework = factory.SubFactory(FrameworkFactory)
    version_label = "1"
    status = VersionStatus.DRAFT.value
    document_identifier = factory.LazyFunction(lambda: str(uuid.uuid4()))
    document_uri = factory.LazyAttribute(lambda o: f"{BASE}/CFDocuments/{o.document_identifier}")
    title = factory.LazyAttribute(lambda o: o.framework.title)
    document_data = factory.LazyFunction(dict)


class FrameworkItemFactory(_Base):
    class Meta:
        model = FrameworkItem

    version = factory.SubFactory(FrameworkVersionFactory)
    identifier = factory.LazyFunction(lambda: str(uuid.uuid4()))
    uri = factory.LazyAttribute(lambda o: f"{BASE}/CFItems/{o.identifier}")
    position = factory.Sequence(lambda n: n)
    full_statement = factory.Sequence(lambda n: f"Demonstrates competency {n}")


class TrustRefresherSettingFactory(_Base):
    class Meta:
        model = TrustRefresherSetting

    trust = factory.SubFactory(TrustFactory)
    subject_code = "CSTF-FIRE"
    level = 1
    months = 12


register(FrameworkFactory, FrameworkVersionFactory, FrameworkItemFactory, TrustRefresherSettingFactory)


def small_package(
    title: str = "Test framework", codes: tuple[str, ...] = ("A", "A.1", "A.2", "B")
) -> dict[str, Any]:
    """A CASE package: items coded as given, each "X.n" a child of "X", the others at the top."""
    document_id = str(uuid.uuid4())
    ids = {code: str(uuid.uuid4()) for code in codes}
    items = [
        {"identifier": ids[code], "uri": f"{BASE}/CFItems/{ids[code]}", "fullStatement": f"Statement {code}",
         "humanCodingScheme": code, "CFItemType": "Competency"}
        for code in codes
    ]  # fmt: skip
    associations = []
    for position, code in enumerate(codes, start=1):
        parent = code.rsplit(".", 1)[0] if "." in code and code.rsplit(".", 1)[0] in ids else None
        destination = ids[parent] if parent else document_id
        association_id = str(uuid.uuid4())
        associations.append(
            {
                "identifier": association_id,
                "uri": f"{BASE}/CFAssociations/{association_id}",
                "associationType": "isChildOf",
                "originNodeURI": {
                    "identifier": ids[code],
                    "uri": f"{BASE}/CFItems/{ids[code]}",
                    "title": code,
                },
                "destinationNodeURI": {
                    "identifier": destination,
                    "uri": f"{BASE}/x/{destination}",
                    "title": "p",
                },
                "sequenceNumber": position,
            }
        )
    return {
        "CFDocument": {"identifier": document_id, "uri": f"{BASE}/CFDocuments/{document_id}", "title": title},
        "CFItems": items,
        "CFAssociations": associations,
    }


def imported_framework(
    session: Session, *, owner_trust_id: int | None = None, publish: bool = True, **kwargs: Any
) -> FrameworkVersion:
    version = import_case_package(
        session, small_package(**kwargs), actor="test", owner_trust_id=owner_trust_id, publish=publish
    )
    session.flush()
    return version
