"""Words removed from and added to a statement (competencies/frameworks/word_diff.py)."""

from __future__ import annotations

from competencies.frameworks.word_diff import word_changes


def _side(pieces, shown: str) -> str:  # type: ignore[no-untyped-def]
    return "".join(text for kind, text in pieces if kind in ("same", shown))


def test_a_changed_phrase_is_one_removal_and_one_addition_and_both_sides_rebuild() -> None:
    before = "Takes a full set of observations and records them"
    after = "Takes and interprets a full set of vital signs and records them in the EPR"
    pieces = word_changes(before, after)
    assert pieces == [
        ("same", "Takes "),
        ("added", "and interprets "),
        ("same", "a full set of "),
        ("removed", "observations "),
        ("added", "vital signs "),
        ("same", "and records them "),
        ("added", "in the EPR"),
    ]
    assert _side(pieces, "added") == after
    assert _side(pieces, "removed").split() == before.split()  # spaces between words are not compared


def test_same_empty_and_markup_text() -> None:
    assert word_changes("Same words", "Same words") == [("same", "Same words")]
    assert word_changes("", "") == [] and word_changes(None, None) == []
    assert word_changes("", "New <b>text</b>") == [("added", "New <b>text</b>")]
    assert word_changes("Old", None) == [("removed", "Old")]
    # Text comes back as it was given (the template escapes it), never altered or marked safe here.
    assert type(word_changes("<i>a</i>", "<i>b</i>")[0][1]) is str
