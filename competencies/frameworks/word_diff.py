"""Words removed from and added to a reworded statement, for the diff page.

Python's own ``difflib.SequenceMatcher`` over word tokens is enough here: statements are a sentence or a
paragraph, so its quadratic worst case never shows, and an extra diff library would be one more dependency
to vet, pin and keep patched for a few lines of work. The result is plain text pieces with their kind; the
template escapes every piece (nothing here is marked safe).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "removed", "added"]

# A word with the spaces after it (the first also keeps any spaces before it), so the pieces put together
# give back the statement; words are compared without their spaces.
_WORDS = re.compile(r"\s*\S+\s*|\s+")


def _tokens(text: str) -> list[str]:
    return _WORDS.findall(text or "")


def word_changes(before: str | None, after: str | None) -> list[tuple[Kind, str]]:
    """``before`` turned into ``after`` as pieces: ("same", text), ("removed", text) and ("added", text).

    The "same" and "added" pieces put together give ``after``; "same" and "removed" give ``before`` (up to
    the spaces between words, which are not compared).
    Neighbouring pieces of one kind are joined, so a changed phrase is one removal and one addition.
    """
    old, new = _tokens(before or ""), _tokens(after or "")
    matcher = SequenceMatcher(None, [t.strip() for t in old], [t.strip() for t in new], autojunk=False)
    pieces: list[tuple[Kind, str]] = []

    def add(kind: Kind, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + text)
        else:
            pieces.append((kind, text))

    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            add("same", new[new_start:new_end])
        else:  # "replace", "delete" or "insert": what went, then what came
            add("removed", old[old_start:old_end])
            add("added", new[new_start:new_end])
    return pieces
