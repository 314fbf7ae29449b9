"""Access-matrix rows for a trust's sickness absence target (issue 14): see tests/functional/access_matrix.py.

The trust's nursing director sets it, admins for any trust; HR, nurses and assessors may not. A POST with
nothing typed leaves the target as it is and goes back to the dashboard."""

from __future__ import annotations

from tests.functional.access_matrix import ROWS, Row, statuses

PAGE = "/metrics/sickness-target"
API = "/api/v1/trusts/{trust}/sickness-target"
API_RULE = "/api/v1/trusts/<string:ods_code>/sickness-target"
READERS = statuses(403, anonymous=401, hr=200, director=200, admin=200)
ROWS.extend(
    [
        Row("GET", PAGE, PAGE, statuses(403, anonymous=302, director=200, admin=200),
            other_url=f"{PAGE}?scope=RV5", other_expected=statuses(403, anonymous=302, admin=200)),
        Row("POST", PAGE, PAGE, statuses(403, anonymous=302, director=302, admin=302), form={},
            other_url=f"{PAGE}?scope=RV5", other_expected=statuses(403, anonymous=302, admin=302)),
        # Reading it: whoever sees the trust's figures (its director and HR, admins).
        Row("GET", API_RULE, API.format(trust="RPG"), READERS,
            other_url=API.format(trust="RV5"), other_expected=statuses(403, anonymous=401, admin=200)),
        Row("PUT", API_RULE, API.format(trust="RPG"), statuses(403, anonymous=401, director=200, admin=200),
            json={"sickness_target_percent": 4.5},
            other_url=API.format(trust="RV5"), other_expected=statuses(403, anonymous=401, admin=200)),
        # No such trust: refused before it is looked for to those who may set no target, else not found.
        Row("PUT", API_RULE, API.format(trust="ZZZ"), statuses(403, anonymous=401, director=404, admin=404),
            json={"sickness_target_percent": 4.5}),
    ]
)  # fmt: skip
