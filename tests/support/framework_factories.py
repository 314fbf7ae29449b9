"""Factories for competency frameworks, and a helper building a small published framework through the
real importer (so tests exercise the same path as production)."""

from __future__ import annotations

import functools
import json
import uuid
from pathlib import Path
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


CASE_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "case-samples"
OPENSALT_SAMPLE = CASE_SAMPLES / "opensalt-framework-20c5134f.json"
_LARGE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:staff-passport:tests:large-case-package")


@functools.cache  # deterministic, and worth building once per run
def large_case_package(min_bytes: int = 1_048_576 + 50_000, *, break_it: bool = False) -> bytes:
    """The real OpenSALT sample grown past ``min_bytes`` (over the 1 MB of a background import) by
    extra items, each a child of one of the sample's own. ``break_it``: two items share an identifier,
    which the importer refuses. Fails (never skips) when ../shared/data is missing."""
    assert OPENSALT_SAMPLE.exists(), f"{OPENSALT_SAMPLE} is missing: these tests need the real CASE samples"
    package = json.loads(OPENSALT_SAMPLE.read_text(encoding="utf-8"))
    originals = list(package["CFItems"])
    added = 0
    while len(json.dumps(package).encode()) < min_bytes:
        for _ in range(250):
            parent = originals[added % len(originals)]
            identifier = str(uuid.uuid5(_LARGE_NAMESPACE, f"item {added}"))
            uri = parent["uri"].rsplit("/", 1)[0] + f"/{identifier}"
            code = f"{parent.get('humanCodingScheme') or 'X'}.T{added}"
            package["CFItems"].append(
                {
                    **parent,
                    "identifier": identifier,
                    "uri": uri,
                    "humanCodingScheme": code,
                    "fullStatement": f"{parent['fullStatement']} (practice case {added}: "
                    + "explains the reasoning in words and with a worked example. " * 4
                    + ")",
                }
            )
            link = str(uuid.uuid5(_LARGE_NAMESPACE, f"association {added}"))
            package["CFAssociations"].append(
                {
                    "identifier": link,
                    "uri": uri.rsplit("/", 1)[0] + f"/{link}",
                    "associationType": "isChildOf",
                    "originNodeURI": {"title": code, "identifier": identifier, "uri": uri},
                    "destinationNodeURI": {
                        "title": parent.get("humanCodingScheme") or "parent",
                        "identifier": parent["identifier"],
                        "uri": parent["uri"],
                    },
                    "sequenceNumber": added + 1,
                }
            )
            added += 1
    if break_it:
        package["CFItems"][-1]["identifier"] = package["CFItems"][-2]["identifier"]
    return json.dumps(package).encode()
