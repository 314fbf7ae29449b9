"""Every audit action the code records has words for people, and no words are kept for actions nothing
records (issue 19). The actions are gathered by reading the source, not by running it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from passport.audit.words import (
    ACTION_WORDS,
    ACTOR_PREFIX_WORDS,
    ACTOR_WORDS,
    RECORD_WORDS,
    TOPICS,
    action_words,
    actor_words,
)
from passport.passports.models import OpeningKind
from passport.secondments.state import Step
from passport.workforce.importing import KINDS

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("passport", "competencies")

# Actions written as f-strings, keyed by their source (as ast.unparse writes it), expanded over every value
# they can format. A new f-string action fails the test until it is listed here.
FORMATTED: dict[str, set[str]] = {
    # passport/secondments/operations.py: one event per step of a secondment.
    "f'secondment.{step.value}'": {f"secondment.{step.value}" for step in Step},
    # passport/passports/operations.py: somebody opened, downloaded or recorded as verified a share.
    "f'passport.share_{kind.value}'": {f"passport.share_{kind.value}" for kind in OpeningKind},
    # passport/workforce/import_runs.py: an ImportRun's kind is one of the workforce import KINDS.
    "f'import.{run.kind}'": {f"import.{kind}" for kind in KINDS},
}


@dataclass
class Module:
    path: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST]


def _modules() -> list[Module]:
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            modules.append(Module(path, tree, parents))
    return modules


MODULES = _modules()


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _calls(name: str) -> Iterator[tuple[Module, ast.Call]]:
    for module in MODULES:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and _called_name(node) == name:
                yield module, node


def _enclosing_function(module: Module, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    while node in module.parents:
        node = module.parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    return None


def _module_constant(module: Module, name: str) -> ast.expr | None:
    for node in module.tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node.value
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node.value
    return None


def _argument(function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, name: str) -> ast.expr | None:
    """What ``call`` passes for the parameter ``name`` of ``function`` (its default when nothing)."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    positional = [arg.arg for arg in function.args.posonlyargs + function.args.args]
    if name in positional and positional.index(name) < len(call.args):
        return call.args[positional.index(name)]
    defaults = dict(
        zip(positional[len(positional) - len(function.args.defaults) :], function.args.defaults, strict=True)
    )
    kw_defaults = {
        arg.arg: default
        for arg, default in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True)
        if default is not None
    }
    return defaults.get(name, kw_defaults.get(name))


def _values(module: Module, expr: ast.expr | None, where: ast.AST, unresolved: list[str]) -> set[str]:
    """Every string ``expr`` can be: a literal, a listed f-string, a value of a module-level dict, or a
    parameter of the enclosing function, followed to every call of that function."""
    location = f"{module.path.relative_to(ROOT)}:{getattr(where, 'lineno', '?')}"
    if expr is None or (isinstance(expr, ast.Constant) and expr.value is None):
        return set()
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.JoinedStr):
        source = ast.unparse(expr)
        if source in FORMATTED:
            return FORMATTED[source]
        expanded = _expand(module, expr, unresolved)
        if expanded is None:
            unresolved.append(f"{location}: f-string {source} (list its values in FORMATTED)")
            return set()
        return expanded
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        table = _module_constant(module, expr.value.id)
        if isinstance(table, ast.Dict):
            return set().union(*(_values(module, value, expr, unresolved) for value in table.values))
    if isinstance(expr, ast.Name):
        function = _enclosing_function(module, expr)
        parameters = (
            {a.arg for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs}
            if function
            else set()
        )
        if function is not None and expr.id in parameters:
            found: set[str] = set()
            callers = list(_calls(function.name))
            if not callers:
                unresolved.append(
                    f"{location}: {expr.id}, a parameter of {function.name}, which nothing calls"
                )
            for caller_module, call in callers:
                passed = _argument(function, call, expr.id)
                found |= _values(caller_module, passed, call, unresolved)
            return found
        constant = _module_constant(module, expr.id)
        if constant is not None:
            return _values(module, constant, expr, unresolved)
    unresolved.append(f"{location}: cannot tell what {ast.unparse(expr)} holds")
    return set()


def _expand(module: Module, expr: ast.JoinedStr, unresolved: list[str]) -> set[str] | None:
    """An f-string whose every placeholder is a plain parameter or constant, over each value it can take;
    None when a placeholder is anything else (an attribute such as ``step.value``)."""
    texts = {""}
    for part in expr.values:
        if isinstance(part, ast.Constant):
            texts = {text + str(part.value) for text in texts}
            continue
        if not (
            isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and not part.format_spec
        ):
            return None
        attempt: list[str] = []
        values = _values(module, part.value, expr, attempt)
        if attempt or not values:
            return None
        texts = {text + value for text in texts for value in values}
    return texts


def _recorded(keyword: str) -> tuple[set[str], list[str]]:
    """The values every ``record_event(...)`` call in the code passes as ``keyword``."""
    found: set[str] = set()
    unresolved: list[str] = []
    for module, call in _calls("record_event"):
        given = next((k.value for k in call.keywords if k.arg == keyword), None)
        found |= _values(module, given, call, unresolved)
    return found, unresolved


def test_the_scan_reaches_every_kind_of_action():
    actions, unresolved = _recorded("action")
    assert unresolved == []
    assert len(list(_calls("record_event"))) > 40
    # A literal, an f-string over an enum, a dict's values, and a wrapper's argument are all found.
    assert {"job.fit_checked", "passport.share_opened", "credential.suspended", "auth.signed_in"} <= actions


def test_every_recorded_action_has_words():
    actions, _unresolved = _recorded("action")
    missing = sorted(actions - ACTION_WORDS.keys())
    assert missing == [], f"add words for these actions to passport/audit/words.py: {missing}"


def test_no_words_for_an_action_nothing_records():
    actions, _unresolved = _recorded("action")
    stale = sorted(ACTION_WORDS.keys() - actions)
    assert stale == [], f"no code records these actions; remove them from passport/audit/words.py: {stale}"


def test_every_kind_of_record_has_words_and_none_is_stale():
    record_types, unresolved = _recorded("record_type")
    assert unresolved == []
    assert sorted(record_types - RECORD_WORDS.keys()) == []
    assert sorted(RECORD_WORDS.keys() - record_types) == []


def _actor_strings() -> tuple[set[str], set[str]]:
    """Labels given for actors that are not people (``actor=...``, ``actor: ... = "system"`` defaults), and
    the fixed starts of labels written as f-strings (``f"background job {job.id}"``)."""
    found = {"anonymous"}  # record_event's own label for an actor it cannot name
    prefixes: set[str] = set()
    for module in MODULES:
        for node in ast.walk(module.tree):
            exprs: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "actor":
                exprs.append(node.value)
            if isinstance(node, ast.arguments):
                named = node.posonlyargs + node.args
                defaults = zip(named[len(named) - len(node.defaults) :], node.defaults, strict=True)
                kw_defaults = zip(node.kwonlyargs, node.kw_defaults, strict=True)
                exprs += [d for a, d in [*defaults, *kw_defaults] if a.arg == "actor" and d is not None]
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "ACTOR" for t in node.targets
            ):
                exprs.append(node.value)
            for expr in exprs:
                formatted = [part for part in ast.walk(expr) if isinstance(part, ast.JoinedStr)]
                inside = {id(value) for part in formatted for value in part.values}
                for part in formatted:
                    first = part.values[0]
                    assert isinstance(first, ast.Constant), f"{module.path}: {ast.unparse(part)}"
                    prefixes.add(first.value)
                for part in ast.walk(expr):
                    if (
                        isinstance(part, ast.Constant)
                        and isinstance(part.value, str)
                        and id(part) not in inside
                    ):
                        found.add(part.value)
    return found, prefixes


def test_every_actor_that_is_not_a_person_has_words():
    actors, prefixes = _actor_strings()
    assert {"cli", "system", "seed-demo", "secondments-tick"} <= actors
    assert sorted(actors - ACTOR_WORDS.keys()) == []
    assert sorted(ACTOR_WORDS.keys() - actors) == []
    assert prefixes == ACTOR_PREFIX_WORDS.keys()
    assert actor_words("background job 17") == "The service (background job 17)"


def test_the_words_read_as_sentences_and_tell_actions_apart():
    phrases = list(ACTION_WORDS.values())
    assert len(set(phrases)) == len(phrases), "two actions share words: the filter could not tell them apart"
    for phrase in [*phrases, *RECORD_WORDS.values(), *ACTOR_WORDS.values(), *(t.title for t in TOPICS)]:
        assert phrase[0].isupper() and not phrase.endswith("."), phrase
        assert "_" not in phrase, phrase
    assert sum(len(topic.actions) for topic in TOPICS) == len(ACTION_WORDS)  # no action in two topics


def test_unknown_codes_and_labels_show_as_they_are():
    assert action_words("job.fit_checked") == "Fit check run"
    assert action_words("retired.action") == "retired.action"
    assert actor_words("hr@rpg.example") == "hr@rpg.example" and actor_words("cli").startswith("Support")
