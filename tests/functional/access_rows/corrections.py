"""Access-matrix rows for corrections (issue 17): see tests/functional/access_matrix.py.

The matrix's callers have no staff record, so their own record page is not found; the request pages
with their own records are checked in tests/functional/test_corrections.py."""

from __future__ import annotations

from tests.functional.access_matrix import HR_MISSING, HR_ONLY, ROWS, Row, statuses

NO_CORRECTION = "/workforce/corrections/999999"
ROWS.extend(
    [
        Row("GET", "/account/your-record", "/account/your-record", statuses(404, anonymous=302)),
        # No record named: the page says what can be corrected, and a POST is refused naming the problem.
        Row("GET", "/account/corrections/new", "/account/corrections/new", statuses(200, anonymous=302)),
        Row(
            "POST",
            "/account/corrections/new",
            "/account/corrections/new",
            statuses(422, anonymous=302),
            form={},
        ),
        Row("GET", "/workforce/corrections", "/workforce/corrections", HR_ONLY),
        Row("GET", "/workforce/corrections/<int:request_id>", NO_CORRECTION, HR_MISSING),
        Row("POST", "/workforce/corrections/<int:request_id>", NO_CORRECTION, HR_MISSING, form={}),
    ]
)
