"""A package valid for CASE 1.0 but not 1.1 imports with a warning per field CASE 1.1 writes differently
(#16): in the API's answer, on the page, from import-case and in a background job's result. The warnings
are checked against what the export really does: every field the export writes differently from how it
was sent is warned about, and every warning names such a field."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from competencies.frameworks.case_conformance import PACKAGE_KEYS
from competencies.frameworks.case_export import export_case_json
from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.case_package import CaseProblem
from competencies.frameworks.case_upgrade import case_1_1_warnings
from passport.auth.models import Role
from passport.background.models import Job
from tests.conftest import sign_in
from tests.support.case_conformance import CASE_SAMPLES, require_case_samples
from tests.support.case_definition_factories import package_with_definitions
from tests.support.factories import UserFactory
from tests.support.framework_factories import large_case_package, small_package

_LINK_ENDS = ("originNodeURI", "destinationNodeURI")
_NESTED = {"CFRubricCriteria", "CFRubricCriterionLevels"}


def case_1_0_package() -> dict[str, Any]:
    """A small package written the CASE 1.0 way (and with an older exporter's habits)."""
    package = small_package(codes=("A", "A.1"))
    document = package["CFDocument"]
    document.update(
        lastChangeDateTime="2017-05-25T18:05:33",
        CFPackageURI={"title": "t", "identifier": document["identifier"], "uri": "https://old.example/p"},
        publisher="Old Publisher",
        subject="Nursing, Care",
        statusStartDate="2017-05-25T00:00:00",
    )
    item = package["CFItems"][0]
    item.update(
        CFDocumentURI={"title": "t", "identifier": document["identifier"], "uri": "https://old.example/d"},
        CFItemAssociationURI="https://old.example/ia",
        educationalLevel="05,06",
        lastChangeDateTime="2017-05-25",
        nhsBand=5,
    )
    association = package["CFAssociations"][0]
    association.update(sequenceNumber="1", lastChangeDateTime="2017-05-25T18:05:29")
    del association["uri"]
    del association["originNodeURI"]["title"]
    association["originNodeURI"]["note"] = "an extra key in a link"
    return package


def clean_package() -> dict[str, Any]:
    """``small_package`` with what CASE 1.1 requires and it leaves out: nothing to warn about."""
    package = small_package()
    package["CFDocument"].update(
        creator="South London Partnership", lastChangeDateTime="2025-01-02T03:04:05Z"
    )
    for entry in [*package["CFItems"], *package["CFAssociations"]]:
        entry["lastChangeDateTime"] = "2025-01-02T03:04:05+00:00"
    return package


def _changed(raw: dict[str, Any], out: dict[str, Any], path: str) -> set[str]:
    """JSON paths of the fields of one object that the export writes differently from how they were sent,
    or leaves out, or fills (``extensions``, where moved keys land, is left aside: the move is warned at
    the key moved)."""
    found: set[str] = set()
    for key, value in raw.items():
        if value is None or key == "extensions":
            continue
        if key in _LINK_ENDS and isinstance(value, dict) and isinstance(out.get(key), dict):
            for name in value.keys() | out[key].keys():
                if value.get(name) != out[key].get(name):
                    found.add(f"{path}.{key}.{name}")
        elif key in _NESTED and isinstance(value, list):
            found |= _changed_entries(value, out.get(key) or [], f"{path}.{key}")
        elif key not in out or out[key] != value:
            found.add(f"{path}.{key}")
    sent = {key for key, value in raw.items() if value is not None}  # a null is as good as absent
    for key in out.keys() - sent - {"extensions"}:
        if key == "educationLevel" and "educationalLevel" in raw:
            continue  # CASE 1.0's spelling read as CASE 1.1's: warned at the key sent
        found.add(f"{path}.{key}")
    return found


def _changed_entries(raw: list[Any], out: list[dict[str, Any]], path: str) -> set[str]:
    """Definitions or rubric parts, matched by identifier; one the export leaves out is changed whole."""
    by_identifier = {entry["identifier"]: entry for entry in out}
    found: set[str] = set()
    for index, entry in enumerate(raw):
        served = by_identifier.get(entry.get("identifier")) if isinstance(entry.get("uri"), str) else None
        if served is None:
            found.add(f"{path}[{index}]")
        else:
            found |= _changed(entry, served, f"{path}[{index}]")
    return found


def changed_by_export(raw: dict[str, Any], exported: dict[str, Any]) -> set[str]:
    found = _changed(raw["CFDocument"], exported["CFDocument"], "$.CFDocument")
    for section in ("CFItems", "CFAssociations"):  # exported in the order sent
        for index, (sent, out) in enumerate(zip(raw.get(section) or [], exported[section], strict=True)):
            found |= _changed(sent, out, f"$.{section}[{index}]")
    for kind, entries in (raw.get("CFDefinitions") or {}).items():
        found |= _changed_entries(entries, exported["CFDefinitions"].get(kind, []), f"$.CFDefinitions.{kind}")
    found |= _changed_entries(raw.get("CFRubrics") or [], exported.get("CFRubrics") or [], "$.CFRubrics")
    found |= {f"$.{key}" for key, value in raw.items() if key not in PACKAGE_KEYS and value is not None}
    return found


def _sources() -> list[tuple[str, Any]]:
    return [
        ("case-1.0", case_1_0_package),
        ("definitions", lambda: package_with_definitions()[0]),
        *[
            (path.name, lambda path=path: json.loads(path.read_text(encoding="utf-8")))
            for path in CASE_SAMPLES
        ],
    ]


@pytest.mark.parametrize(("name", "make"), _sources(), ids=[name for name, _ in _sources()])
def test_a_warning_for_each_field_the_export_writes_differently_and_no_other(session, name, make) -> None:
    require_case_samples()
    raw = make()
    warnings: list[CaseProblem] = []
    version = import_case_package(session, copy.deepcopy(raw), actor="test", publish=True, warnings=warnings)
    session.flush()
    exported = export_case_json(session, version)
    warned = [warning.path for warning in warnings]
    assert len(warned) == len(set(warned)), "one warning per field"
    assert set(warned) == changed_by_export(raw, exported)


@pytest.mark.parametrize(("name", "make"), _sources(), ids=[name for name, _ in _sources()])
def test_an_export_reimports_without_warnings(session, name, make) -> None:
    """What the service writes is CASE 1.1 already: importing it again changes nothing."""
    version = import_case_package(session, make(), actor="test", publish=True)
    session.flush()
    assert case_1_1_warnings(export_case_json(session, version)) == []


def test_the_case_1_0_package_warnings_say_what_happens(session) -> None:
    warnings: list[CaseProblem] = []
    import_case_package(session, case_1_0_package(), actor="test", warnings=warnings)
    reasons = {warning.path: warning.reason for warning in warnings}
    assert reasons["$.CFDocument.lastChangeDateTime"] == (
        "a time without a time zone (UTC in CASE 1.1) ('2017-05-25T18:05:33'): exported and served as "
        "'2017-05-25T18:05:33Z'"
    )
    assert "left out" in reasons["$.CFDocument.CFPackageURI"]
    assert "left out" in reasons["$.CFItems[0].CFDocumentURI"]
    assert "left out" in reasons["$.CFItems[0].CFItemAssociationURI"]
    assert "read as CASE 1.1's educationLevel ['05', '06']" in reasons["$.CFItems[0].educationalLevel"]
    assert "a date without a time" in reasons["$.CFItems[0].lastChangeDateTime"]
    assert "under extensions" in reasons["$.CFItems[0].nhsBand"]
    assert "read as ['Nursing', 'Care']" in reasons["$.CFDocument.subject"]
    assert (
        "a date-time where CASE 1.1 has a date: exported as '2017-05-25'"
        in reasons["$.CFDocument.statusStartDate"]
    )
    assert "exported as its publisher 'Old Publisher'" in reasons["$.CFDocument.creator"]
    assert "read as 1" in reasons["$.CFAssociations[0].sequenceNumber"]
    assert "CFAssociations address" in reasons["$.CFAssociations[0].uri"]
    assert "missing" in reasons["$.CFAssociations[0].originNodeURI.title"]
    assert "left out" in reasons["$.CFAssociations[0].originNodeURI.note"]
    assert "the CFDocument's lastChangeDateTime" in reasons["$.CFItems[1].lastChangeDateTime"]


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


def test_the_api_answers_the_import_with_its_warnings(client, session, admin) -> None:
    response = client.post("/api/v1/frameworks/imports", json=case_1_0_package())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert body["status"] == "draft" and body["title"] == "Test framework"
    expected = case_1_1_warnings(case_1_0_package())
    assert len(expected) >= 14
    by_path = sorted(body["warnings"], key=lambda warning: warning["path"])
    assert by_path == sorted(
        ({"path": w.path, "reason": w.reason} for w in expected), key=lambda w: w["path"]
    )
    clean = client.post("/api/v1/frameworks/imports", json=clean_package())
    assert clean.status_code == 201 and clean.json["warnings"] == []


def test_the_page_says_how_many_fields_changed_and_shows_the_first(client, session, admin) -> None:
    sample = next(p for p in require_case_samples() if p.name.startswith("opensalt-framework"))
    expected = case_1_1_warnings(json.loads(Path(sample).read_text(encoding="utf-8")))
    data = {"package": (io.BytesIO(Path(sample).read_bytes()), "framework.json"), "owner": ""}
    response = client.post("/frameworks/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{len(expected)} field(s) are exported and served differently in CASE 1.1" in html
    assert expected[0].path in html and f"and {len(expected) - 3} more" in html
    clean = {"package": (io.BytesIO(json.dumps(clean_package()).encode()), "clean.json"), "owner": ""}
    response = client.post("/frameworks/import", data=clean, content_type="multipart/form-data")
    assert "exported and served differently" not in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_import_case_prints_each_warning(app, session) -> None:
    sample = next(p for p in require_case_samples() if p.name.startswith("opensalt-framework"))
    expected = case_1_1_warnings(json.loads(Path(sample).read_text(encoding="utf-8")))
    result = app.test_cli_runner().invoke(args=["passport", "import-case", str(sample)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "20c5134f-423d-4097-a971-3dd5152bf507", "stdout: the identifier only"
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert lines == [f"warning: {w.path}: {w.reason}" for w in expected]


def test_a_background_import_keeps_its_warnings_in_the_result(client, session, admin) -> None:
    content = large_case_package()
    expected = case_1_1_warnings(json.loads(content))
    response = client.post("/api/v1/frameworks/imports", data=content, content_type="application/json")
    assert response.status_code == 202, response.get_data(as_text=True)
    job = session.get(Job, response.json["id"], populate_existing=True)
    assert job.status == "succeeded"
    assert job.result["warning_count"] == len(expected) > 1000
    assert job.result["warnings"] == [{"path": w.path, "reason": w.reason} for w in expected[:1000]]
    polled = client.get(f"/api/v1/background-jobs/{job.id}").json
    assert polled["result"]["warning_count"] == len(expected)
