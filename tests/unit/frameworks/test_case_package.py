"""CASE 1.1 package format: real samples, round trips, every rejection with its JSON path, the tree."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competencies.frameworks.case_package import (
    MAX_HIERARCHY_LEVELS,
    MAX_TEXT_CHARACTERS,
    CaseAssociation,
    CaseDocument,
    CaseItem,
    CaseNodeLink,
    CasePackage,
    CasePackageError,
    package_to_case_json,
    parse_case_package,
)
from competencies.frameworks.case_tree import TreeNode, item_tree, tree_steps

SAMPLES = Path("/work/shared/data/case-samples")
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
OPENSALT_EXPORT = SAMPLES / "opensalt-framework-20c5134f.json"
DOC_ID = "d0000000-0000-0000-0000-000000000000"


def _uid(number: int) -> str:
    return f"00000000-0000-0000-0000-{number:012d}"


def _link(identifier: str) -> dict[str, str]:
    return {"identifier": identifier, "uri": f"https://example.test/{identifier}", "title": identifier}


def _minimal_package() -> dict[str, Any]:
    """Document with items 1 and 2 under it and item 3 under item 1; associations are 101..103."""
    items = [
        {"identifier": _uid(n), "uri": f"https://example.test/items/{n}", "fullStatement": f"Item {n}"}
        for n in (1, 2, 3)
    ]
    associations = [
        {"identifier": _uid(100 + n), "associationType": "isChildOf", "originNodeURI": _link(_uid(child)),
         "destinationNodeURI": _link(parent)}
        for n, (child, parent) in enumerate([(1, DOC_ID), (2, DOC_ID), (3, _uid(1))], start=1)
    ]  # fmt: skip
    document = {"identifier": DOC_ID, "uri": "https://example.test/doc", "title": "Test framework"}
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def _problems(data: Any) -> dict[str, str]:
    with pytest.raises(CasePackageError) as caught:
        parse_case_package(data)
    return {problem.path: problem.reason for problem in caught.value.problems}


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda path: path.name)
def test_every_sample_parses_and_round_trips(sample: Path) -> None:
    raw = json.loads(sample.read_text(encoding="utf-8"))
    package = parse_case_package(sample.read_bytes())
    assert len(package.items) == len(raw["CFItems"])
    assert len(package.associations) == len(raw["CFAssociations"])
    assert package.document.identifier == raw["CFDocument"]["identifier"]
    exported = json.dumps(package_to_case_json(package))
    assert parse_case_package(exported) == package


def test_all_five_samples_are_present() -> None:
    assert len(SAMPLE_FILES) == 5


def test_opensalt_export_details() -> None:
    package = parse_case_package(OPENSALT_EXPORT.read_bytes())
    assert (len(package.items), len(package.associations)) == (16, 39)
    assert package.document.title == "What Standards Could Be"
    assert package.document.adoption_status == "Draft"
    # Older exporter keys are kept, not rejected.
    assert package.document.extra["CFPackageURI"].endswith("20c5134f-423d-4097-a971-3dd5152bf507")
    first = package.items[0]
    assert first.cf_item_type == "Cluster"
    assert first.extra["CFItemTypeURI"]["title"] == "Cluster"
    assert "CFDocumentURI" in first.extra and "CFItemAssociationURI" in first.extra
    # OpenSALT's "educationalLevel" string becomes CASE 1.1 educationLevel.
    assert first.education_level == ("06",)
    assert "educationalLevel" not in first.extra
    # Sequence numbers sent as strings are read as numbers.
    assert sorted(a.sequence_number for a in package.associations if a.sequence_number) == [1, 2]
    assert [entry["title"] for entry in package.definitions["CFItemTypes"]] == [
        "Cluster",
        "Standard",
        "Component",
    ]
    types = {association.association_type for association in package.associations}
    assert types == {"exactMatchOf", "isChildOf", "precedes", "exemplar", "isRelatedTo"}


def test_utf8_text_survives() -> None:
    package = parse_case_package((SAMPLES / "Utf8TestFramework.json").read_bytes())
    assert package.document.title == "UTF8 \U0001d451 Test"
    assert package.items[0].full_statement == "Item \U0001d451 1"


def test_input_forms_bytes_str_and_dict_agree() -> None:
    data = _minimal_package()
    text = json.dumps(data)
    assert parse_case_package(data) == parse_case_package(text) == parse_case_package(text.encode("utf-8"))


def test_extra_keys_are_kept_everywhere_and_exported() -> None:
    data = _minimal_package()
    data["CFDocument"]["CFPackageURI"] = _link(DOC_ID)
    data["CFDocument"]["licenseURI"] = _link("licence")
    data["CFItems"][0]["CFItemTypeURI"] = _link("type")
    data["CFAssociations"][0]["CFDocumentURI"] = _link(DOC_ID)
    data["CFAssociations"][0]["originNodeURI"]["targetType"] = "CFItem"
    data["@context"] = "https://purl.imsglobal.org/spec/case/v1p0/context/imscasev1p0_context_v1p0.jsonld"
    package = parse_case_package(data)
    assert package.document.extra == {"CFPackageURI": _link(DOC_ID), "licenseURI": _link("licence")}
    assert package.items[0].extra == {"CFItemTypeURI": _link("type")}
    assert package.associations[0].extra == {"CFDocumentURI": _link(DOC_ID)}
    assert package.associations[0].origin.extra == {"targetType": "CFItem"}
    assert package.extra == {"@context": data["@context"]}
    exported = package_to_case_json(package)
    assert exported["CFDocument"]["licenseURI"] == _link("licence")
    assert exported["CFAssociations"][0]["originNodeURI"]["targetType"] == "CFItem"
    assert parse_case_package(exported) == package


def test_export_writes_case_keys() -> None:
    package = parse_case_package(_minimal_package())
    exported = package_to_case_json(package)
    assert set(exported) == {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions"}
    assert exported["CFItems"][0] == {
        "identifier": _uid(1),
        "uri": "https://example.test/items/1",
        "fullStatement": "Item 1",
    }
    assert exported["CFAssociations"][2]["originNodeURI"] == _link(_uid(3))
    assert exported["CFAssociations"][2]["associationType"] == "isChildOf"


@pytest.mark.parametrize("payload", [b"{not json", "[1, 2]", '"text"', b"\xff\xfe\x00"])
def test_rejects_what_is_not_a_json_object(payload: bytes | str) -> None:
    assert list(_problems(payload)) == ["$"]


def test_rejects_a_package_without_document() -> None:
    data = _minimal_package()
    del data["CFDocument"]
    assert "CFDocument is required" in _problems(data)["$.CFDocument"]


@pytest.mark.parametrize(
    ("section", "index", "key"),
    [
        ("CFDocument", None, "identifier"),
        ("CFDocument", None, "uri"),
        ("CFDocument", None, "title"),
        ("CFItems", 1, "identifier"),
        ("CFItems", 1, "uri"),
        ("CFItems", 1, "fullStatement"),
        ("CFAssociations", 2, "identifier"),
        ("CFAssociations", 2, "associationType"),
        ("CFAssociations", 2, "originNodeURI"),
        ("CFAssociations", 2, "destinationNodeURI"),
    ],
)
def test_rejects_missing_required_field_with_its_path(section: str, index: int | None, key: str) -> None:
    data = _minimal_package()
    target = data[section] if index is None else data[section][index]
    del target[key]
    path = f"$.{section}.{key}" if index is None else f"$.{section}[{index}].{key}"
    assert path in _problems(data)


def test_rejects_malformed_node_links_with_their_paths() -> None:
    data = _minimal_package()
    data["CFAssociations"][0]["originNodeURI"] = "https://example.test/items/1"
    data["CFAssociations"][1]["destinationNodeURI"] = {"identifier": 5, "uri": "u"}
    data["CFAssociations"][2]["originNodeURI"]["uri"] = ["not", "a", "string"]
    data["CFAssociations"][2]["sequenceNumber"] = True
    problems = _problems(data)
    assert set(problems) == {
        "$.CFAssociations[0].originNodeURI",
        "$.CFAssociations[1].destinationNodeURI.identifier",
        "$.CFAssociations[2].originNodeURI.uri",
        "$.CFAssociations[2].sequenceNumber",
    }


@pytest.mark.parametrize("bad_identifier", ["", "   ", 42, None, ["x"]])
def test_rejects_empty_or_non_string_identifiers(bad_identifier: Any) -> None:
    data = _minimal_package()
    data["CFItems"][0]["identifier"] = bad_identifier
    assert "$.CFItems[0].identifier" in _problems(data)


def test_accepts_identifiers_that_are_not_uuids() -> None:
    data = _minimal_package()
    data["CFItems"][1]["identifier"] = "CCSS.Math.6.RP"
    data["CFAssociations"][1]["originNodeURI"] = _link("CCSS.Math.6.RP")
    assert parse_case_package(data).items[1].identifier == "CCSS.Math.6.RP"


def test_rejects_identifier_repeated_across_sections() -> None:
    data = _minimal_package()
    data["CFItems"][2]["identifier"] = _uid(1)
    data["CFAssociations"][0]["identifier"] = DOC_ID
    problems = _problems(data)
    assert "$.CFItems[0]" in problems["$.CFItems[2].identifier"]
    assert "$.CFDocument" in problems["$.CFAssociations[0].identifier"]


def test_rejects_unknown_association_type_but_accepts_extensions() -> None:
    data = _minimal_package()
    data["CFAssociations"][1]["associationType"] = "isCousinOf"
    assert "isCousinOf" in _problems(data)["$.CFAssociations[1].associationType"]
    data["CFAssociations"][1]["associationType"] = "ext:isPrerequisiteFor"
    assert parse_case_package(data).associations[1].association_type == "ext:isPrerequisiteFor"
    data["CFAssociations"][1]["associationType"] = "ext:"
    assert "$.CFAssociations[1].associationType" in _problems(data)


def test_rejects_hierarchy_link_with_both_ends_outside_the_package() -> None:
    data = _minimal_package()
    data["CFAssociations"][2]["originNodeURI"] = _link("outside-1")
    data["CFAssociations"][2]["destinationNodeURI"] = _link("outside-2")
    data["CFAssociations"][1]["associationType"] = "isPartOf"
    data["CFAssociations"][1]["originNodeURI"] = _link("outside-3")
    data["CFAssociations"][1]["destinationNodeURI"] = _link("outside-4")
    problems = _problems(data)
    assert "outside-1" in problems["$.CFAssociations[2]"]
    assert "isPartOf" in problems["$.CFAssociations[1]"]


def test_allows_non_hierarchy_links_and_one_sided_hierarchy_links_to_point_outside() -> None:
    data = _minimal_package()
    for number, association_type in enumerate(["exactMatchOf", "isRelatedTo", "exemplar", "isChildOf"]):
        data["CFAssociations"].append(
            {"identifier": _uid(200 + number), "associationType": association_type,
             "originNodeURI": _link(_uid(3)), "destinationNodeURI": _link(f"https://other.test/{number}")}
        )  # fmt: skip
    assert len(parse_case_package(data).associations) == 7


def test_rejects_is_child_of_cycle_and_names_its_members() -> None:
    data = _minimal_package()
    # 1 -> 3 already (3 is a child of 1); make 1 a child of 3 to close a loop, plus a self-loop on 2.
    data["CFAssociations"][0]["destinationNodeURI"] = _link(_uid(3))
    data["CFAssociations"][1]["destinationNodeURI"] = _link(_uid(2))
    problems = _problems(data)
    cycle_reasons = [reason for reason in problems.values() if "cycle" in reason]
    assert len(cycle_reasons) == 2
    assert any(_uid(1) in reason and _uid(3) in reason for reason in cycle_reasons)
    assert any(f"{_uid(2)} -> {_uid(2)}" in reason for reason in cycle_reasons)


def test_collects_all_problems_in_one_error() -> None:
    data = _minimal_package()
    del data["CFDocument"]["title"]
    data["CFItems"][0]["fullStatement"] = 7
    data["CFAssociations"][2]["associationType"] = "nope"
    data["CFAssociations"][1]["sequenceNumber"] = "first"
    data["CFItems"][1]["lastChangeDateTime"] = "yesterday"
    with pytest.raises(CasePackageError) as caught:
        parse_case_package(data)
    paths = {problem.path for problem in caught.value.problems}
    assert paths == {
        "$.CFDocument.title",
        "$.CFItems[0].fullStatement",
        "$.CFAssociations[2].associationType",
        "$.CFAssociations[1].sequenceNumber",
        "$.CFItems[1].lastChangeDateTime",
    }
    assert "$.CFDocument.title" in str(caught.value)


def test_rejects_wrong_container_shapes() -> None:
    data = _minimal_package()
    data["CFItems"] = {"not": "a list"}
    data["CFAssociations"] = [data["CFAssociations"][0], "text"]
    data["CFDefinitions"] = {"CFItemTypes": "oops", "CFSubjects": [1]}
    problems = _problems(data)
    assert {
        "$.CFItems",
        "$.CFAssociations[1]",
        "$.CFDefinitions.CFItemTypes",
        "$.CFDefinitions.CFSubjects[0]",
    } <= set(problems)


def test_the_input_dict_is_not_modified() -> None:
    data = _minimal_package()
    data["CFItems"][0]["educationalLevel"] = "09,10"
    before = copy.deepcopy(data)
    package = parse_case_package(data)
    assert data == before
    assert package.items[0].education_level == ("09", "10")


def test_tree_orders_by_sequence_then_coding_scheme_then_statement() -> None:
    sequence = parse_case_package((SAMPLES / "SequenceNumberFramework.json").read_bytes())
    assert [node.item.human_coding_scheme for node in item_tree(sequence)] == ["SNT.2", "SNT.1"]

    ordering = parse_case_package((SAMPLES / "Ordering.json").read_bytes())
    (root,) = item_tree(ordering)
    assert root.item.human_coding_scheme == "H.A.MATH.GM"
    leaf_parent = root.children[0].children[0].children[0]
    codes = [node.item.human_coding_scheme for node in leaf_parent.children]
    assert codes == [f"H.A.MATH.GM.PF.2DFP.L1.{n}" for n in range(1, 25)]  # 1.10 after 1.9, not after 1.1

    smart = parse_case_package((SAMPLES / "SmartLevelFramework.json").read_bytes())
    top = item_tree(smart)
    assert [node.item.full_statement for node in top] == ["Item 1", "Item 2"]
    assert [node.item.full_statement for node in top[0].children][-2:] == ["Item 1.9", "Item 1.10"]


def test_tree_places_parentless_items_last_and_ignores_other_association_types() -> None:
    data = _minimal_package()
    data["CFItems"].append({"identifier": _uid(4), "uri": "u4", "fullStatement": "A loose item"})
    data["CFAssociations"].append(
        {"identifier": _uid(300), "associationType": "isRelatedTo", "originNodeURI": _link(_uid(2)),
         "destinationNodeURI": _link(_uid(1))}
    )  # fmt: skip
    tree = item_tree(parse_case_package(data))
    assert [node.item.identifier for node in tree] == [_uid(1), _uid(2), _uid(4)]
    assert [child.item.identifier for child in tree[0].children] == [_uid(3)]
    assert tree[1].children == ()


def test_tree_of_a_hand_built_cyclic_package_terminates() -> None:
    document = CaseDocument(identifier="doc", uri="u", title="t")
    items = tuple(CaseItem(identifier=name, uri=name, full_statement=name) for name in ("a", "b"))

    def child_of(child: str, parent: str) -> CaseAssociation:
        return CaseAssociation(f"{child}-{parent}", "isChildOf", CaseNodeLink(child), CaseNodeLink(parent))

    package = CasePackage(document, items, (child_of("a", "doc"), child_of("b", "a"), child_of("a", "b")))
    (root,) = item_tree(package)
    assert root.item.identifier == "a"
    assert [child.item.identifier for child in root.children] == ["b"]
    assert root.children[0].children == ()


# --- generated packages -----------------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(str.strip)
_optional_text = st.none() | _text
_words = st.lists(_text, max_size=3).map(tuple)
_timestamps = st.none() | st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())
_extras = st.dictionaries(
    st.sampled_from(["CFDocumentURI", "licenseURI", "x-note"]), _text | st.integers(), max_size=2
)


@st.composite
def _packages(draw: st.DrawFn) -> CasePackage:
    identifiers = iter(str(uuid.UUID(int=n)) for n in range(1, 10_000))
    document = CaseDocument(
        identifier=next(identifiers),
        uri=draw(_text),
        title=draw(_text),
        creator=draw(_optional_text),
        subject=draw(_words),
        adoption_status=draw(_optional_text),
        status_start_date=draw(st.none() | st.dates().map(lambda day: day.isoformat())),
        last_change_date_time=draw(_timestamps),
        extra=draw(_extras),
    )
    items = [
        CaseItem(
            identifier=next(identifiers),
            uri=draw(_text),
            full_statement=draw(_text),
            human_coding_scheme=draw(_optional_text),
            concept_keywords=draw(_words),
            education_level=draw(_words),
            list_enumeration=draw(_optional_text),
            last_change_date_time=draw(_timestamps),
            extra=draw(_extras),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    associations = []
    for position, item in enumerate(items):
        # Parents come earlier in the list, so the hierarchy can never loop.
        parent = document.identifier if position == 0 else draw(st.sampled_from(items[:position])).identifier
        associations.append(
            CaseAssociation(
                identifier=next(identifiers),
                association_type="isChildOf",
                origin=CaseNodeLink(item.identifier),
                destination=CaseNodeLink(parent, uri=draw(_optional_text), title=draw(_optional_text)),
                sequence_number=draw(st.none() | st.integers(-5, 50)),
                extra=draw(_extras),
            )
        )
        if draw(st.booleans()):
            associations.append(
                CaseAssociation(
                    next(identifiers),
                    draw(st.sampled_from(["exactMatchOf", "ext:alignsWith"])),
                    CaseNodeLink(item.identifier),
                    CaseNodeLink(draw(_text)),
                )
            )
    definitions = draw(st.sampled_from([{}, {"CFItemTypes": [{"identifier": "t", "title": "Skill"}]}]))
    return CasePackage(document, tuple(items), tuple(associations), definitions)


@settings(max_examples=150, deadline=None)
@given(_packages())
def test_generated_packages_round_trip(package: CasePackage) -> None:
    assert parse_case_package(json.dumps(package_to_case_json(package))) == package
    listed = {node.item.identifier for node in item_tree(package)}
    assert listed == ({package.items[0].identifier} if package.items else set())


# --- Costly input (issue 18) ---------------------------------------------------------------------------


def _chain(levels: int) -> dict[str, Any]:
    """Items 1..levels, each a child of the one before (item 1 under the document)."""
    items = [
        {"identifier": _uid(n), "uri": f"https://example.test/items/{n}", "fullStatement": f"Item {n}"}
        for n in range(1, levels + 1)
    ]
    associations = [
        {"identifier": _uid(100_000 + n), "associationType": "isChildOf", "originNodeURI": _link(_uid(n)),
         "destinationNodeURI": _link(_uid(n - 1) if n > 1 else DOC_ID)}
        for n in range(1, levels + 1)
    ]  # fmt: skip
    document = {"identifier": DOC_ID, "uri": "https://example.test/doc", "title": "Deep"}
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def test_a_hierarchy_at_the_depth_limit_parses_and_one_level_more_is_refused_where_it_goes_too_deep() -> None:
    assert len(parse_case_package(_chain(MAX_HIERARCHY_LEVELS)).items) == MAX_HIERARCHY_LEVELS
    # Associations listed deepest first: the check must not depend on the order they come in.
    deep = _chain(400)
    deep["CFAssociations"].reverse()
    problems = _problems(deep)
    assert problems == {
        f"$.CFAssociations[{400 - MAX_HIERARCHY_LEVELS - 1}]": (
            f"the isChildOf hierarchy goes deeper than {MAX_HIERARCHY_LEVELS} levels here; "
            f"at most {MAX_HIERARCHY_LEVELS} are allowed"
        )
    }


def test_text_longer_than_the_limit_is_refused_with_its_length() -> None:
    data = _minimal_package()
    data["CFItems"][1]["fullStatement"] = "x" * (MAX_TEXT_CHARACTERS + 1)
    data["CFDocument"]["title"] = "t" * 10_485_760
    assert _problems(data) == {
        "$.CFItems[1].fullStatement": "10,001 characters long: at most 10,000 are allowed",
        "$.CFDocument.title": "10,485,760 characters long: at most 10,000 are allowed",
    }
    data["CFItems"][1]["fullStatement"] = "x" * MAX_TEXT_CHARACTERS
    data["CFDocument"]["title"] = "Fine"
    assert parse_case_package(data).items[1].full_statement == "x" * MAX_TEXT_CHARACTERS


def test_tree_steps_lay_out_any_depth_as_balanced_nested_lists() -> None:
    tree = item_tree(parse_case_package(_minimal_package()))  # item 1 (with 3 under it) and item 2
    steps = [(step.kind, step.node.item.full_statement if step.node else None) for step in tree_steps(tree)]
    assert steps == [
        ("open", None),
        ("item", "Item 1"), ("open", None), ("item", "Item 3"), ("end-item", None), ("close", None),
        ("end-item", None),
        ("item", "Item 2"), ("end-item", None),
        ("close", None),
    ]  # fmt: skip
    assert list(tree_steps([])) == []
    # Far deeper than Python's recursion limit, built by hand (imports stop at MAX_HIERARCHY_LEVELS, but a
    # draft's items can be added one under another).
    node = TreeNode(item=tree[0].item)
    for _ in range(5_000):
        node = TreeNode(item=tree[0].item, children=(node,))
    kinds = [step.kind for step in tree_steps([node])]
    assert kinds.count("open") == kinds.count("close") == 5_001
    assert kinds.count("item") == kinds.count("end-item") == 5_001
