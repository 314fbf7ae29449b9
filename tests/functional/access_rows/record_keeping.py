"""Access-matrix rows for record retention and legal holds (issue 17): see tests/functional/access_matrix.py.

{own_staff} and {other_staff} come from the workforce rows' world builder (a person of RPG, one of RV5)."""

from __future__ import annotations

from tests.functional.access_matrix import ROWS, Row, statuses

HR_OWN = statuses(403, anonymous=302, hr=200)
OTHER_TRUST = statuses(403, anonymous=302)  # another trust's HR, like everyone but that trust's HR
HOLD = "/workforce/staff/<int:staff_id>/legal-hold"
ROWS.extend(
    [
        Row("GET", "/admin/retention", "/admin/retention", statuses(403, anonymous=302, admin=200)),
        Row("GET", HOLD, "/workforce/staff/{own_staff}/legal-hold", HR_OWN,
            other_url="/workforce/staff/{other_staff}/legal-hold", other_expected=OTHER_TRUST),
        Row("POST", HOLD, "/workforce/staff/{own_staff}/legal-hold", statuses(403, anonymous=302, hr=422),
            form={}, other_url="/workforce/staff/{other_staff}/legal-hold", other_expected=OTHER_TRUST),
        # Nothing held: HR are sent back to the person's page.
        Row("GET", HOLD + "/release", "/workforce/staff/{own_staff}/legal-hold/release",
            statuses(403, anonymous=302, hr=302),
            other_url="/workforce/staff/{other_staff}/legal-hold/release", other_expected=OTHER_TRUST),
        Row("POST", HOLD + "/release", "/workforce/staff/{own_staff}/legal-hold/release",
            statuses(403, anonymous=302, hr=302), form={},
            other_url="/workforce/staff/{other_staff}/legal-hold/release", other_expected=OTHER_TRUST),
        Row("GET", HOLD, "/workforce/staff/999999/legal-hold", statuses(404, anonymous=302)),
    ]
)  # fmt: skip
