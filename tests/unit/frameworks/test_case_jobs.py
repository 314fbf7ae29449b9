"""The checks made before a CASE package is queued, and the key that makes one job per file."""

from __future__ import annotations

import pytest

from competencies.frameworks.case_jobs import (
    LARGE_PACKAGE_BYTES,
    MAX_PACKAGE_BYTES,
    PackageTooLarge,
    check_upload,
    import_key,
    is_large,
)
from passport.errors import InvalidInput


def test_json_by_name_or_by_type_passes() -> None:
    check_upload(b"{}", filename="framework.JSON", content_type=None)
    check_upload(b"{}", filename=None, content_type="application/json; charset=utf-8")


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "message"),
    [
        (b"", "framework.json", "application/json", "The file is empty"),
        (b"{}", "framework.xlsx", "application/vnd.ms-excel", "must be a CASE package in JSON"),
        (b"{}", None, None, "must be a CASE package in JSON"),
    ],
)
def test_empty_and_not_json_are_refused_naming_the_field(content, filename, content_type, message) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_upload(content, filename=filename, content_type=content_type)
    assert message in refused.value.message and list(refused.value.errors) == ["package"]


def test_over_the_limit_is_413() -> None:
    with pytest.raises(PackageTooLarge) as refused:
        check_upload(b" " * (MAX_PACKAGE_BYTES + 1), filename="big.json", content_type=None)
    assert refused.value.status == 413 and "at most 50 MB" in refused.value.message


def test_large_means_over_one_megabyte() -> None:
    assert not is_large(b" " * LARGE_PACKAGE_BYTES)
    assert is_large(b" " * (LARGE_PACKAGE_BYTES + 1))


def test_the_key_is_the_owner_the_choice_and_the_file() -> None:
    key = import_key(None, False, b"{}")
    assert key == import_key(None, False, b"{}") and key.startswith("case_import:shared:draft:")
    assert (
        len({key, import_key(7, False, b"{}"), import_key(None, True, b"{}"), import_key(None, False, b"[]")})
        == 4
    )
    assert len(import_key(2**31, True, b"{}")) <= 200  # the job's key column
