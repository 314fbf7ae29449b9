"""Versions (drafts, publish, new version, diff), the published-version guard, crosswalks, the CSTF and
trusts' refresher periods, against the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from competencies.frameworks import operations
from competencies.frameworks.models import (
    FrameworkAssociation,
    FrameworkItem,
    PublishedVersionIsFinal,
)
from passport.audit.models import AuditEvent
from passport.errors import Conflict, InvalidInput, NotFound
from passport.reference import cstf
from tests.support.framework_factories import BASE, imported_framework


def _items(session, version) -> list[FrameworkItem]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(FrameworkItem)
            .where(FrameworkItem.version_id == version.id)
            .order_by(FrameworkItem.position)
        )
    )


def test_published_version_refuses_edits_in_operations(session) -> None:
    version = imported_framework(session)
    item = _items(session, version)[0]
    with pytest.raises(Conflict, match="published and never changes"):
        operations.update_draft_item(session, item, actor="t", full_statement="Changed")
    with pytest.raises(Conflict):
        operations.add_draft_item(session, version, base_uri=BASE, actor="t", full_statement="New")
    with pytest.raises(Conflict):
        operations.publish_version(session, version, actor="t")
    session.refresh(item)
    assert item.full_statement == "Statement A"


def test_published_version_refuses_edits_whatever_the_code_path(session) -> None:
    version = imported_framework(session)
    item = _items(session, version)[0]
    item.full_statement = "Sneaked in"
    with pytest.raises(PublishedVersionIsFinal):
        session.flush()
    session.rollback()


def test_draft_edit_add_remove_then_publish(session) -> None:
    version = imported_framework(session, publish=False)
    a, a1, a2, b = _items(session, version)
    operations.update_draft_item(session, a1, actor="t", full_statement="Reworded", notes="why")
    added = operations.add_draft_item(
        session, version, base_uri=BASE, actor="t", full_statement="Newcomer", parent_identifier=a.identifier
    )
    assert added.uri == f"{BASE}/CFItems/{added.identifier}"
    tree = operations.version_tree(session, version)
    assert [node.item.human_coding_scheme for node in tree] == ["A", "B"]
    assert "Newcomer" in [child.item.full_statement for child in tree[0].children]
    with pytest.raises(Conflict, match="children"):
        operations.remove_draft_item(session, a, actor="t")
    operations.remove_draft_item(session, a2, actor="t")
    assert (
        session.scalar(
            select(FrameworkAssociation.id).where(FrameworkAssociation.origin_identifier == a2.identifier)
        )
        is None
    )
    operations.publish_version(session, version, actor="t")
    assert version.is_published and version.published_at is not None
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("framework.%"))))
    assert {"framework.item_edited", "framework.item_added", "framework.published"} <= actions


def test_new_version_copies_with_predecessors_and_replaced_by_links(session) -> None:
    first = imported_framework(session)
    second = operations.start_new_version(
        session, first.framework, version_label="2", base_uri=BASE, actor="t"
    )
    old, new = _items(session, first), _items(session, second)
    assert [i.predecessor_id for i in new] == [i.id for i in old]
    assert not {i.identifier for i in old} & {i.identifier for i in new}
    replaced = session.scalars(
        select(FrameworkAssociation).where(
            FrameworkAssociation.version_id == second.id,
            FrameworkAssociation.association_type == "replacedBy",
        )
    ).all()
    assert {(a.origin_identifier, a.destination_identifier) for a in replaced} == {
        (o.identifier, n.identifier) for o, n in zip(old, new, strict=True)
    }
    assert [node.item.human_coding_scheme for node in operations.version_tree(session, second)] == ["A", "B"]
    with pytest.raises(Conflict, match="already has a draft"):
        operations.start_new_version(session, first.framework, version_label="3", base_uri=BASE, actor="t")


def test_diff_shows_added_removed_and_reworded(session) -> None:
    first = imported_framework(session)
    second = operations.start_new_version(
        session, first.framework, version_label="2", base_uri=BASE, actor="t"
    )
    a, a1, a2, b = _items(session, second)
    operations.update_draft_item(session, a1, actor="t", full_statement="Reworded A.1")
    operations.remove_draft_item(session, b, actor="t")
    operations.add_draft_item(session, second, base_uri=BASE, actor="t", full_statement="Brand new")
    diff = operations.diff_versions(session, first, second)
    assert [i.full_statement for i in diff.added] == ["Brand new"]
    assert [i.human_coding_scheme for i in diff.removed] == ["B"]
    assert [(x.full_statement, y.full_statement) for x, y in diff.reworded] == [
        ("Statement A.1", "Reworded A.1")
    ]
    assert diff.unchanged == 2


def test_diff_refuses_versions_of_different_frameworks(session) -> None:
    with pytest.raises(InvalidInput):
        operations.diff_versions(session, imported_framework(session), imported_framework(session))


def test_crosswalk_maps_a_trusts_item_to_a_shared_one(session, demo_trusts) -> None:
    own, _other = demo_trusts
    shared = _items(session, imported_framework(session))[0]
    local = _items(session, imported_framework(session, owner_trust_id=own.id))[0]
    crosswalk = operations.create_crosswalk(
        session, local_item=local, shared_item=shared, association_type="exactMatchOf", actor="t"
    )
    assert crosswalk.trust_id == own.id
    assert operations.exact_match_item_ids(session, {shared.id}) == {shared.id, local.id}
    assert crosswalk in operations.item_links(session, shared).crosswalks
    with pytest.raises(Conflict, match="already mapped"):
        operations.create_crosswalk(
            session, local_item=local, shared_item=shared, association_type="isRelatedTo", actor="t"
        )
    with pytest.raises(Conflict, match="local item"):
        operations.create_crosswalk(
            session, local_item=shared, shared_item=shared, association_type="exactMatchOf", actor="t"
        )
    with pytest.raises(InvalidInput):
        operations.create_crosswalk(
            session, local_item=local, shared_item=shared, association_type="isPeerOf", actor="t"
        )


def test_related_crosswalks_are_not_exact_matches(session, demo_trusts) -> None:
    shared = _items(session, imported_framework(session))[0]
    local = _items(session, imported_framework(session, owner_trust_id=demo_trusts[0].id))[0]
    operations.create_crosswalk(
        session, local_item=local, shared_item=shared, association_type="isRelatedTo", actor="t"
    )
    assert operations.exact_match_item_ids(session, {shared.id}) == {shared.id}


def test_cstf_loads_once_as_a_shared_published_framework(session) -> None:
    version, created = operations.load_cstf(session, base_uri=BASE, actor="t")
    again, created_again = operations.load_cstf(session, base_uri=BASE, actor="t")
    assert created and not created_again and again.id == version.id
    assert version.is_published and version.framework.is_shared
    subjects = [node for node in operations.version_tree(session, version)]
    assert len(subjects) == len(cstf.CSTF_SUBJECTS) == 11


def test_refresher_period_is_the_trusts_own_or_the_cstf_default(session, demo_trusts) -> None:
    own, other = demo_trusts
    assert operations.refresher_months_for(session, own.id, "CSTF-FIRE", 1) == 24
    operations.set_refresher_months(
        session, trust_id=own.id, subject_code="CSTF-FIRE", level=1, months=12, actor="t"
    )
    assert operations.refresher_months_for(session, own.id, "CSTF-FIRE", 1) == 12
    assert operations.refresher_months_for(session, other.id, "CSTF-FIRE", 1) == 24
    row = next(r for r in operations.refresher_table(session, own.id) if r.subject_code == "CSTF-FIRE")
    assert (row.months, row.default_months, row.is_default) == (12, 24, False)


@pytest.mark.parametrize(
    ("subject", "level", "months", "error"),
    [("CSTF-NOPE", 1, 12, NotFound), ("CSTF-FIRE", 2, 12, NotFound), ("CSTF-FIRE", 1, 0, InvalidInput),
     ("CSTF-FIRE", 1, 121, InvalidInput)],
)  # fmt: skip
def test_refresher_bad_input(session, demo_trusts, subject, level, months, error) -> None:
    with pytest.raises(error):
        operations.set_refresher_months(
            session, trust_id=demo_trusts[0].id, subject_code=subject, level=level, months=months, actor="t"
        )


def test_search_by_code_or_words(session) -> None:
    version = imported_framework(session, codes=("CARE.1", "CARE.2", "SAFE.1"))
    assert [i.human_coding_scheme for i in operations.search_items(session, version, "care")] == [
        "CARE.1",
        "CARE.2",
    ]
    assert [i.human_coding_scheme for i in operations.search_items(session, version, "statement safe.1")] == [
        "SAFE.1"
    ]
    assert operations.search_items(session, version, "%") == _items(session, version)
