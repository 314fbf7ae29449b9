"""Access-matrix rows for the CASE 1.1 definition and rubric endpoints (#16): see access_matrix.py."""

from __future__ import annotations

from tests.functional.access_matrix import ROWS, WORLD_BUILDERS, Row, statuses


def _case_definitions_world(session, own, other):  # type: ignore[no-untyped-def]
    from competencies.frameworks.case_import import import_case_package
    from tests.support.case_definition_factories import package_with_definitions

    package, ids = package_with_definitions(title="Access matrix definitions")
    import_case_package(session, package, actor="test", publish=True)
    session.flush()
    return {
        "def_CFSubjects": ids.subjects["1"],
        "def_CFConcepts": ids.concept,
        "def_CFItemTypes": ids.item_type,
        "def_CFLicenses": ids.license,
        "def_CFAssociationGroupings": ids.grouping,
        "def_CFRubrics": ids.rubric,
    }


WORLD_BUILDERS.append(_case_definitions_world)
# Public reads of what published packages hold, whoever asks; unknown identifiers are 404.
ROWS += [
    Row(
        "GET",
        f"/ims/case/v1p1/{kind}/<string:sourced_id>",
        f"/ims/case/v1p1/{kind}/{{def_{kind}}}",
        statuses(200),
        other_url=f"/ims/case/v1p1/{kind}/no-such-identifier",
        other_expected=statuses(404),
    )
    for kind in (
        "CFSubjects",
        "CFConcepts",
        "CFItemTypes",
        "CFLicenses",
        "CFAssociationGroupings",
        "CFRubrics",
    )
]
