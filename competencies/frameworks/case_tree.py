"""The isChildOf hierarchy of a CASE package, ordered for browsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from competencies.frameworks.case_package import CaseItem, CasePackage


@dataclass(frozen=True, slots=True)
class TreeNode:
    item: CaseItem
    children: tuple[TreeNode, ...] = ()


_DIGIT_RUNS = re.compile(r"([0-9]+)")  # ASCII only: int() rejects digits such as "¹"


def _natural_key(text: str | None) -> tuple[bool, tuple[tuple[int, int | str], ...]]:
    """Sorts "1.2" before "1.10" and missing values last, as people read coding schemes."""
    if text is None:
        return (True, ())
    parts = _DIGIT_RUNS.split(text.casefold())
    return (
        False,
        tuple((0, int(part)) if _DIGIT_RUNS.fullmatch(part) else (1, part) for part in parts if part),
    )


def _child_order(item: CaseItem, sequence_number: int | None) -> tuple[Any, ...]:
    return (
        sequence_number is None,
        sequence_number or 0,
        _natural_key(item.human_coding_scheme),
        _natural_key(item.full_statement),
    )


def item_tree(package: CasePackage) -> list[TreeNode]:
    """The isChildOf hierarchy for browsing: top-level items first, then items with no parent in the package.

    Children are ordered by sequenceNumber, then humanCodingScheme, then fullStatement (numbers compared as
    numbers). An item with two parents appears under both.
    """
    items_by_id = {item.identifier: item for item in package.items}
    document_id = package.document.identifier
    children_of: dict[str, dict[str, int | None]] = {}
    has_parent: set[str] = set()
    for association in package.associations:
        child_id, parent_id = association.origin.identifier, association.destination.identifier
        if association.association_type != "isChildOf" or child_id not in items_by_id:
            continue
        if parent_id != document_id and parent_id not in items_by_id:
            continue
        siblings = children_of.setdefault(parent_id, {})
        if child_id not in siblings or siblings[child_id] is None:
            siblings[child_id] = association.sequence_number
        if parent_id != document_id:
            has_parent.add(child_id)

    def ordered(entries: Iterable[tuple[str, int | None]]) -> list[str]:
        return [
            child_id
            for child_id, _ in sorted(
                entries, key=lambda entry: _child_order(items_by_id[entry[0]], entry[1])
            )
        ]

    top_level = ordered(children_of.get(document_id, {}).items())
    placed = set(top_level) | has_parent
    orphans = ordered((item_id, None) for item_id in items_by_id if item_id not in placed)
    build = _node_builder(
        items_by_id, {parent: ordered(kids.items()) for parent, kids in children_of.items()}
    )
    return [build(item_id) for item_id in [*top_level, *orphans]]


def _node_builder(
    items_by_id: dict[str, CaseItem], children_ids: dict[str, list[str]]
) -> Callable[[str], TreeNode]:
    """Builds frozen nodes bottom-up without recursion; cuts any cycle (only a hand-built package has one)."""
    built: dict[str, TreeNode] = {}

    def build(root_id: str) -> TreeNode:
        on_path: set[str] = {root_id}
        stack: list[tuple[str, Iterator[str]]] = [(root_id, iter(children_ids.get(root_id, ())))]
        while stack:
            item_id, pending = stack[-1]
            next_child = next(
                (child for child in pending if child not in built and child not in on_path), None
            )
            if next_child is None:
                stack.pop()
                on_path.discard(item_id)
                children = tuple(built[child] for child in children_ids.get(item_id, ()) if child in built)
                built[item_id] = TreeNode(item=items_by_id[item_id], children=children)
            else:
                on_path.add(next_child)
                stack.append((next_child, iter(children_ids.get(next_child, ()))))
        return built[root_id]

    return build


@dataclass(frozen=True, slots=True)
class TreeStep:
    """One step of a tree laid out flat: a list opens or closes, an entry begins or ends."""

    kind: str  # "open", "item", "end-item" or "close"
    node: TreeNode | None = None


_OPEN, _CLOSE, _END_ITEM = TreeStep("open"), TreeStep("close"), TreeStep("end-item")


def tree_steps(nodes: Sequence[TreeNode]) -> Iterator[TreeStep]:
    """The tree as a flat run of steps, so that a page renders its nested lists in one loop: a recursive
    template macro runs out of Python's stack on a deep hierarchy (400 levels made the page a 500)."""
    if not nodes:
        return
    yield _OPEN
    pending: list[Iterator[TreeNode]] = [iter(nodes)]
    while pending:
        node = next(pending[-1], None)
        if node is None:
            pending.pop()
            yield _CLOSE
            if pending:
                yield _END_ITEM  # the list closed was the children of the entry around it
        elif node.children:
            yield TreeStep("item", node)
            yield _OPEN
            pending.append(iter(node.children))
        else:
            yield TreeStep("item", node)
            yield _END_ITEM
