"""schemathesis drives every CASE 1.1 read operation under /ims/case/v1p1/ (#16).

They are not in the service's own OpenAPI document, so ``tests.support.case_openapi`` builds one for
them from the app's routes (a served route it does not describe fails the test), with the binding's
parameters and response types. Published frameworks are in place so that identifiers exist: the demo
frameworks, every publisher's sample in ../shared/data (missing data fails, never skips) and a package
with every kind of definition and a rubric. Their identifiers, and a few that nothing has, are the
document's examples for ``sourcedId``; schemathesis also makes up identifiers (those must be unknown
objects: 404 with imsx_StatusInfo) and, for CFDocuments, query parameters within and outside what the
document allows.

Every one of schemathesis's checks runs except max_response_time; no answer may be a 5xx.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from competencies.frameworks.case_export import CASE_PATH, case_base_uri, export_case_json
from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.case_package import package_to_case_json
from competencies.frameworks.cli import band5_package
from competencies.frameworks.models import FrameworkVersion
from competencies.frameworks.refresher import load_cstf
from tests.support.case_conformance import require_case_samples
from tests.support.case_definition_factories import package_with_definitions
from tests.support.case_openapi import OPERATIONS, case_openapi, check_routes, served_case_routes

# Identifiers per framework and kind given as examples (CFPackages get every document): enough to reach
# every framework without sending hundreds of requests.
EXAMPLES_PER_FRAMEWORK = 3
# Identifiers nothing has, given as examples to every operation too: each must be an unknown object (404
# with imsx_StatusInfo): a UUID nobody uses, a text that is no UUID, and one holding a NUL (which a
# database may refuse to compare, PostgreSQL does).
UNKNOWN_IDENTIFIERS = (str(uuid.uuid4()), "not-a-uuid", "unknown\x00object")
FUZZ_EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}
# The checks that must be loaded, so that a schemathesis upgrade that renames one cannot quietly drop it.
EXPECTED_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
}


def _all_checks() -> list[Callable[..., Any]]:
    """Every check schemathesis has but max_response_time. The OpenAPI checks register themselves when
    the OpenAPI part of schemathesis is imported, so this is read after a document has been loaded."""
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)

    checks = [
        check
        for check in schemathesis.checks.CHECKS.get_all()
        if check is not schemathesis.checks.max_response_time
    ]
    names = {check.__name__ for check in checks}
    assert names >= EXPECTED_CHECKS, f"schemathesis checks missing: {sorted(EXPECTED_CHECKS - names)}"
    return checks


def _publish_all(app, session) -> list[FrameworkVersion]:  # type: ignore[no-untyped-def]
    """The demo frameworks, every sample package in ../shared/data and a package with definitions."""
    base = case_base_uri(app.config["PASSPORT_SETTINGS"].public_url)
    packages: list[Any] = [package_to_case_json(band5_package(base))]
    packages += [Path(sample).read_bytes() for sample in require_case_samples()]
    packages.append(json.loads(json.dumps(package_with_definitions()[0])))
    versions = [import_case_package(session, data, actor="test", publish=True) for data in packages]
    cstf, _created = load_cstf(session, base_uri=base, actor="test")
    session.flush()
    return [*versions, cstf]


def _identifiers(session, versions: list[FrameworkVersion]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Served identifiers to give as examples, by operation path, read from the packages as exported."""
    found: dict[str, list[str]] = {path: [] for path in OPERATIONS if "{sourcedId}" in path}

    def add(kind: str, entries: list[dict[str, Any]], limit: int = EXAMPLES_PER_FRAMEWORK) -> None:
        found[f"/{kind}/{{sourcedId}}"] += [entry["identifier"] for entry in entries[:limit]]

    for version in versions:
        package = export_case_json(session, version)
        document = package["CFDocument"]
        add("CFDocuments", [document])
        add("CFPackages", [document])
        items, associations = package.get("CFItems", []), package.get("CFAssociations", [])
        add("CFItems", items)
        add("CFItemAssociations", items)
        add("CFAssociations", associations)
        for kind, entries in (package.get("CFDefinitions") or {}).items():
            if isinstance(entries, list):
                add(kind, entries)
        add("CFRubrics", package.get("CFRubrics") or [])
    empty = [path for path, identifiers in found.items() if not identifiers]
    assert not empty, f"the published frameworks give no identifier for {empty}"
    return {path: [*identifiers, *UNKNOWN_IDENTIFIERS] for path, identifiers in found.items()}


@pytest.fixture
def case_schema(app, session):  # type: ignore[no-untyped-def]
    versions = _publish_all(app, session)
    schema = schemathesis.openapi.from_dict(case_openapi(app, _identifiers(session, versions)))
    schema.app = app
    return schema


def test_the_document_describes_exactly_the_served_case_routes(app) -> None:  # type: ignore[no-untyped-def]
    routes = served_case_routes(app)
    check_routes(routes)
    assert set(case_openapi(app)["paths"]) == set(routes)
    assert len(routes) >= 12


def test_a_route_the_document_does_not_describe_fails_it(app) -> None:  # type: ignore[no-untyped-def]
    routes = dict(served_case_routes(app))
    routes[f"{CASE_PATH}/CFRubricCriteria/{{sourcedId}}"] = frozenset({"GET", "HEAD", "OPTIONS"})
    with pytest.raises(AssertionError, match="CFRubricCriteria"):
        check_routes(routes)


# No shrinking: a failure is reported as found (with a curl command to reproduce it), within the time budget.
SETTINGS = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
    "phases": (Phase.explicit, Phase.generate),
}


def _run(label: str, test: Callable[[], None], failures: list[str]) -> None:
    try:
        test()
    except (Exception, BaseExceptionGroup) as error:  # every operation's failures are reported together
        failures.append(f"--- {label}\n{error}")


def _modes(operation) -> list[GenerationMode]:  # type: ignore[no-untyped-def]
    """Negative data only where a parameter has something to break: any text is a valid ``sourcedId``
    (one that is no published identifier is an unknown object), so there is none to make for it."""
    parameters = operation.definition.raw.get("parameters", [])
    if all(parameter["schema"] == {"type": "string"} for parameter in parameters):
        return [GenerationMode.POSITIVE]
    return list(FUZZ_EXAMPLES)


def _exercise(operation, checks: list[Callable[..., Any]]) -> list[str]:  # type: ignore[no-untyped-def]
    """The operation with every identifier given as an example (published ones and unknown ones), then
    with made-up data."""
    label = f"GET {operation.path}"
    failures: list[str] = []
    examples = operation.get_strategies_from_examples()
    if "{sourcedId}" in operation.path:
        assert examples, f"{label} has no example identifiers"

    def validate(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(checks=checks, excluded_checks=[schemathesis.checks.max_response_time])

    @given(data=st.data())
    @settings(max_examples=1, **SETTINGS)
    def given_examples(data) -> None:  # type: ignore[no-untyped-def]
        for strategy in examples:
            validate(data.draw(strategy))

    _run(f"{label} (the example identifiers)", given_examples, failures)

    def nul_in_each_query_parameter() -> None:
        # What made-up data finds only now and then: a NUL is refused all over the service (400), and
        # here too the refusal must be CASE's imsx_StatusInfo.
        for name in [parameter.name for parameter in operation.query]:
            validate(operation.Case(query={name: "1\x00"}))

    if list(operation.query):
        _run(f"{label} (a NUL in each query parameter)", nul_in_each_query_parameter, failures)
    for mode in _modes(operation):
        max_examples = FUZZ_EXAMPLES[mode]

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=max_examples, **SETTINGS)
        def fuzzed(case) -> None:  # type: ignore[no-untyped-def]
            validate(case)

        _run(f"{label} ({mode.value} data)", fuzzed, failures)
    return failures


def test_every_case_read_operation(case_schema) -> None:  # type: ignore[no-untyped-def]
    checks = _all_checks()
    operations = [result.ok() for result in case_schema.get_all_operations()]
    assert {operation.path for operation in operations} == {CASE_PATH + path for path in OPERATIONS}
    failures = [failure for operation in operations for failure in _exercise(operation, checks)]
    assert not failures, f"{len(failures)} CASE operation run(s) failed:\n" + "\n".join(failures)
