"""Reading our own source in tests that scan it (words and dates for people)."""

from __future__ import annotations

import ast


def docstring_constants(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (of a module, class or function): prose for
    developers, which the scans leave alone."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found
