"""Access-matrix rows for frameworks: see tests/functional/access_matrix.py."""
# ruff: noqa: E501

from __future__ import annotations

from tests.functional.access_matrix import API_SIGNED_IN, ROWS, SIGNED_IN, WORLD_BUILDERS, Row, statuses


# --- Competency frameworks (issue 4) ----------------------------------------------------------------------
def _frameworks_world(session, own, other):  # type: ignore[no-untyped-def]
    import uuid
    from datetime import date

    from sqlalchemy import select

    from competencies.frameworks import operations as fw
    from competencies.frameworks.models import FrameworkAssociation, FrameworkItem, SignOff
    from passport.auth.models import Role
    from tests.support.factories import StaffMemberFactory, UserFactory
    from tests.support.framework_factories import BASE, imported_framework

    def items(version):  # type: ignore[no-untyped-def]
        return session.scalars(
            select(FrameworkItem)
            .where(FrameworkItem.version_id == version.id)
            .order_by(FrameworkItem.position)
        ).all()

    shared = imported_framework(session)
    draft = fw.start_new_version(session, shared.framework, version_label="2", base_uri=BASE, actor="test")
    shared_item = items(shared)[0]
    association = session.scalar(
        select(FrameworkAssociation).where(FrameworkAssociation.version_id == shared.id).limit(1)
    )
    values: dict[str, object] = {
        "fw_shared": shared.framework.identifier,
        "v_pub": shared.identifier,
        "v_draft": draft.identifier,
        "draft_leaf": items(draft)[-1].identifier,  # B: nothing within it, nothing refers to it
        "item_pub": shared_item.identifier,
        "doc_pub": shared.document_identifier,
        "assoc_pub": association.identifier,
    }
    for prefix, trust in (("own", own), ("other", other)):
        local = imported_framework(session, owner_trust_id=trust.id)
        first, second = items(local)[:2]
        page_walk, api_walk = (
            fw.create_crosswalk(session, local_item=item, shared_item=shared_item,
                                association_type="exactMatchOf", actor="test")
            for item in (first, second)
        )  # fmt: skip
        assessor = UserFactory(role=Role.ASSESSOR, trust=trust)
        nurse = StaffMemberFactory(trust=trust)
        sign_offs = []
        for _ in range(2):
            record = SignOff(
                identifier=str(uuid.uuid4()), assessor_id=assessor.id, assessor_trust_id=trust.id,
                staff_member_id=nurse.id, item_id=shared_item.id, version_id=shared.id,
                proficiency_level="competent", method="observation", outcome="working_towards",
                assessed_on=date(2026, 1, 5), review_on=date(2027, 1, 5),
            )  # fmt: skip
            session.add(record)
            sign_offs.append(record)
        session.flush()
        levels = local.framework.scale.levels  # Benner's five stages, given at import; none signed off
        values.update(
            {
                f"{prefix}_level": levels[0].id,
                f"{prefix}_last_level": levels[-1].id,
                f"{prefix}_local_fw": local.framework.identifier,
                f"{prefix}_local_v": local.identifier,
                f"{prefix}_local_item": first.identifier,
                f"{prefix}_page_crosswalk": page_walk.identifier,
                f"{prefix}_api_crosswalk": api_walk.identifier,
                f"{prefix}_page_sign_off": sign_offs[0].identifier,
                f"{prefix}_api_sign_off": sign_offs[1].identifier,
            }
        )
    return values


WORLD_BUILDERS.append(_frameworks_world)
_MANAGE_PAGE = statuses(403, anonymous=302, hr=200, admin=200)
_FW_CONFLICT_PAGE = statuses(403, anonymous=302, hr=409, admin=409)
_FW_CONFLICT_OTHER_PAGE = statuses(403, anonymous=302, admin=409)
_FW_CONFLICT_API = statuses(403, anonymous=401, hr=409, admin=409)
_FW_CONFLICT_OTHER_API = statuses(403, anonymous=401, admin=409)
_LOCAL_V = "/frameworks/versions/{own_local_v}"
_OTHER_V = "/frameworks/versions/{other_local_v}"
_API_LOCAL_V = "/api/v1" + _LOCAL_V
_API_OTHER_V = "/api/v1" + _OTHER_V
_SCALE = "/frameworks/<string:framework_id>/proficiency-scale"
_LEVEL = _SCALE + "/levels/<int:level_id>"
_OWN_SCALE = "/frameworks/{own_local_fw}/proficiency-scale"
_OTHER_SCALE = "/frameworks/{other_local_fw}/proficiency-scale"
ROWS += [
    Row("GET", "/frameworks", "/frameworks", SIGNED_IN),
    Row("GET", "/frameworks/import", "/frameworks/import", _MANAGE_PAGE),
    Row("POST", "/frameworks/import", "/frameworks/import", statuses(403, anonymous=302, hr=422, admin=422),
        form={}),
    Row("GET", "/frameworks/<string:framework_id>", "/frameworks/{fw_shared}", SIGNED_IN),
    Row("POST", "/frameworks/<string:framework_id>", "/frameworks/{own_local_fw}",
        statuses(403, anonymous=302, hr=422, admin=422), form={},
        other_url="/frameworks/{other_local_fw}", other_expected=statuses(403, anonymous=302, admin=422)),
    Row("GET", "/frameworks/versions/<string:version_id>", "/frameworks/versions/{v_pub}", SIGNED_IN),
    # The proficiency scale page: the framework's managers only (HR for its own trust's, admins for all).
    Row("GET", _SCALE, "/frameworks/{own_local_fw}/proficiency-scale", _MANAGE_PAGE,
        other_url="/frameworks/{other_local_fw}/proficiency-scale",
        other_expected=statuses(403, anonymous=302, admin=200)),
    Row("GET", _SCALE, "/frameworks/{fw_shared}/proficiency-scale", statuses(403, anonymous=302, admin=200)),
    *[
        Row("POST", rule, _OWN_SCALE + path, statuses(403, anonymous=302, hr=422, admin=422), form={},
            other_url=_OTHER_SCALE + path.replace("{own_", "{other_"),
            other_expected=statuses(403, anonymous=302, admin=422))
        for rule, path in ((_SCALE, ""), (_SCALE + "/levels", "/levels"),
                           (_LEVEL, "/levels/{own_level}"), (_LEVEL + "/move", "/levels/{own_level}/move"))
    ],
    # Removing a level no sign-off records: done, and back to the page.
    Row("POST", _LEVEL + "/remove", _OWN_SCALE + "/levels/{own_last_level}/remove",
        statuses(403, anonymous=302, hr=302, admin=302), form={},
        other_url=_OTHER_SCALE + "/levels/{other_last_level}/remove",
        other_expected=statuses(403, anonymous=302, admin=302)),
    # Publishing and withdrawing ask first: the GET is the confirmation page (a published version: 409).
    *[
        Row(method, "/frameworks/versions/<string:version_id>/publish", _LOCAL_V + "/publish", _FW_CONFLICT_PAGE,
            other_url=_OTHER_V + "/publish", other_expected=_FW_CONFLICT_OTHER_PAGE)
        for method in ("GET", "POST")
    ],
    *[
        Row(method, "/frameworks/versions/<string:version_id>/items/new", _LOCAL_V + "/items/new",
            _FW_CONFLICT_PAGE, form={} if method == "POST" else None,
            other_url=_OTHER_V + "/items/new", other_expected=_FW_CONFLICT_OTHER_PAGE)
        for method in ("GET", "POST")
    ],
    Row("GET", "/frameworks/versions/<string:version_id>/items/<string:item_id>",
        "/frameworks/versions/{v_pub}/items/{item_pub}", SIGNED_IN),
    *[
        Row(method, "/frameworks/versions/<string:version_id>/items/<string:item_id>/edit",
            _LOCAL_V + "/items/{own_local_item}/edit", _FW_CONFLICT_PAGE,
            form={} if method == "POST" else None,
            other_url=_OTHER_V + "/items/{other_local_item}/edit", other_expected=_FW_CONFLICT_OTHER_PAGE)
        for method in ("GET", "POST")
    ],
    # Removing a draft's item asks first: the GET is the confirmation page (a published version: 409); a
    # POST without its confirmed=yes removes nothing and goes to it.
    *[
        Row(method, "/frameworks/versions/<string:version_id>/items/<string:item_id>/remove",
            _LOCAL_V + "/items/{own_local_item}/remove", _FW_CONFLICT_PAGE, form={} if method == "POST" else None,
            other_url=_OTHER_V + "/items/{other_local_item}/remove", other_expected=_FW_CONFLICT_OTHER_PAGE)
        for method in ("GET", "POST")
    ],
    *[
        Row(method, "/frameworks/versions/<string:version_id>/items/<string:item_id>/remove",
            "/frameworks/versions/{v_draft}/items/{draft_leaf}/remove",
            statuses(403, anonymous=302, admin=200 if method == "GET" else 302),
            form={} if method == "POST" else None)
        for method in ("GET", "POST")
    ],
    Row("POST", "/frameworks/versions/<string:version_id>/items/<string:item_id>/crosswalks",
        _LOCAL_V + "/items/{own_local_item}/crosswalks", statuses(403, anonymous=302, hr=422, admin=422),
        form={},
        other_url=_OTHER_V + "/items/{other_local_item}/crosswalks",
        other_expected=statuses(403, anonymous=302, admin=422)),
    # Removing a crosswalk asks first too (GET); a POST without confirmed=yes goes to that page.
    *[
        Row(method, "/frameworks/crosswalks/<string:crosswalk_id>/delete",
            "/frameworks/crosswalks/{own_page_crosswalk}/delete",
            statuses(403, anonymous=302, hr=code, admin=code),
            other_url="/frameworks/crosswalks/{other_page_crosswalk}/delete",
            other_expected=statuses(403, anonymous=302, admin=code))
        for method, code in (("GET", 200), ("POST", 302))
    ],
    Row("GET", "/frameworks/versions/<string:version_id>/diff", "/frameworks/versions/{v_draft}/diff",
        SIGNED_IN),
    Row("GET", "/frameworks/refresher-settings", "/frameworks/refresher-settings", _MANAGE_PAGE),
    Row("POST", "/frameworks/refresher-settings", "/frameworks/refresher-settings",
        statuses(403, anonymous=302, hr=422, admin=422), form={}),
    Row("GET", "/frameworks/sign-offs/new", "/frameworks/sign-offs/new",
        statuses(403, anonymous=302, assessor=200)),
    Row("POST", "/frameworks/sign-offs/new", "/frameworks/sign-offs/new",
        statuses(403, anonymous=302, assessor=200), form={}),
    Row("GET", "/frameworks/sign-offs", "/frameworks/sign-offs", statuses(200, anonymous=302, director=403)),
    Row("GET", "/frameworks/sign-offs/<string:sign_off_id>/withdraw",
        "/frameworks/sign-offs/{own_page_sign_off}/withdraw",
        statuses(403, anonymous=302, hr=200, assessor=200, admin=200),
        other_url="/frameworks/sign-offs/{other_page_sign_off}/withdraw",
        other_expected=statuses(403, anonymous=302, hr=404, assessor=404, admin=200)),
    # Without confirmed=yes a POST only goes to the confirmation page.
    Row("POST", "/frameworks/sign-offs/<string:sign_off_id>/withdraw",
        "/frameworks/sign-offs/{own_page_sign_off}/withdraw",
        statuses(403, anonymous=302, hr=302, assessor=302, admin=302), form={},
        other_url="/frameworks/sign-offs/{other_page_sign_off}/withdraw",
        other_expected=statuses(403, anonymous=302, hr=404, assessor=404, admin=302)),
    # The CASE 1.1 endpoints are public reads of published versions; unknown identifiers are 404.
    Row("GET", "/ims/case/v1p1/CFDocuments", "/ims/case/v1p1/CFDocuments", statuses(200)),
    *[
        Row("GET", f"/ims/case/v1p1/{kind}/<string:sourced_id>", f"/ims/case/v1p1/{kind}/{{{key}}}",
            statuses(200), other_url=f"/ims/case/v1p1/{kind}/no-such-identifier",
            other_expected=statuses(404))
        for kind, key in (("CFDocuments", "doc_pub"), ("CFPackages", "doc_pub"), ("CFItems", "item_pub"),
                          ("CFAssociations", "assoc_pub"), ("CFItemAssociations", "item_pub"))
    ],
    Row("GET", "/api/v1/frameworks", "/api/v1/frameworks", API_SIGNED_IN),
    Row("POST", "/api/v1/frameworks/imports", "/api/v1/frameworks/imports",
        statuses(403, anonymous=401, hr=422, admin=422), json={}),
    Row("GET", "/api/v1/frameworks/<string:framework_id>", "/api/v1/frameworks/{fw_shared}", API_SIGNED_IN),
    Row("POST", "/api/v1/frameworks/<string:framework_id>/versions",
        "/api/v1/frameworks/{own_local_fw}/versions",
        statuses(403, anonymous=401, hr=422, admin=422), json={}),
    Row("GET", "/api/v1/frameworks/versions/<string:version_id>", "/api/v1/frameworks/versions/{v_pub}",
        API_SIGNED_IN),
    Row("POST", "/api/v1/frameworks/versions/<string:version_id>/publish", _API_LOCAL_V + "/publish",
        _FW_CONFLICT_API, other_url=_API_OTHER_V + "/publish", other_expected=_FW_CONFLICT_OTHER_API),
    Row("GET", "/api/v1/frameworks/versions/<string:version_id>/items",
        "/api/v1/frameworks/versions/{v_pub}/items", API_SIGNED_IN),
    Row("POST", "/api/v1/frameworks/versions/<string:version_id>/items", _API_LOCAL_V + "/items",
        statuses(403, anonymous=401, hr=422, admin=422), json={}),
    Row("GET", "/api/v1/frameworks/versions/<string:version_id>/items/<string:item_id>",
        "/api/v1/frameworks/versions/{v_pub}/items/{item_pub}", API_SIGNED_IN),
    Row("PATCH", "/api/v1/frameworks/versions/<string:version_id>/items/<string:item_id>",
        _API_LOCAL_V + "/items/{own_local_item}", _FW_CONFLICT_API, json={},
        other_url=_API_OTHER_V + "/items/{other_local_item}", other_expected=_FW_CONFLICT_OTHER_API),
    Row("GET", "/api/v1/frameworks/versions/<string:version_id>/diff",
        "/api/v1/frameworks/versions/{v_draft}/diff?against={v_pub}", API_SIGNED_IN),
    Row("GET", "/api/v1/frameworks/crosswalks", "/api/v1/frameworks/crosswalks", API_SIGNED_IN),
    Row("POST", "/api/v1/frameworks/crosswalks", "/api/v1/frameworks/crosswalks",
        statuses(403, anonymous=401, hr=422, admin=422), json={}),
    Row("DELETE", "/api/v1/frameworks/crosswalks/<string:crosswalk_id>",
        "/api/v1/frameworks/crosswalks/{own_api_crosswalk}", statuses(403, anonymous=401, hr=204, admin=204),
        other_url="/api/v1/frameworks/crosswalks/{other_api_crosswalk}",
        other_expected=statuses(403, anonymous=401, admin=204)),
    Row("GET", "/api/v1/frameworks/refresher-settings/<string:ods_code>",
        "/api/v1/frameworks/refresher-settings/{own_trust}", statuses(403, anonymous=401, hr=200, admin=200),
        other_url="/api/v1/frameworks/refresher-settings/{other_trust}",
        other_expected=statuses(403, anonymous=401, admin=200)),
    Row("PUT", "/api/v1/frameworks/refresher-settings/<string:ods_code>/<string:subject_code>/<int:level>",
        "/api/v1/frameworks/refresher-settings/{own_trust}/CSTF-FIRE/1",
        statuses(403, anonymous=401, hr=200, admin=200), json={"months": 12},
        other_url="/api/v1/frameworks/refresher-settings/{other_trust}/CSTF-FIRE/1",
        other_expected=statuses(403, anonymous=401, admin=200)),
    Row("GET", "/api/v1/frameworks/sign-offs", "/api/v1/frameworks/sign-offs",
        statuses(200, anonymous=401, director=403)),
    Row("POST", "/api/v1/frameworks/sign-offs", "/api/v1/frameworks/sign-offs",
        statuses(403, anonymous=401, assessor=422), json={}),
    Row("GET", "/api/v1/frameworks/sign-offs/<string:sign_off_id>",
        "/api/v1/frameworks/sign-offs/{own_api_sign_off}",
        statuses(200, anonymous=401, nurse=404, director=403),
        other_url="/api/v1/frameworks/sign-offs/{other_api_sign_off}",
        other_expected=statuses(404, anonymous=401, director=403, admin=200)),
    Row("POST", "/api/v1/frameworks/sign-offs/<string:sign_off_id>/withdraw",
        "/api/v1/frameworks/sign-offs/{own_api_sign_off}/withdraw",
        statuses(403, anonymous=401, hr=200, assessor=200, admin=200), json={},
        other_url="/api/v1/frameworks/sign-offs/{other_api_sign_off}/withdraw",
        other_expected=statuses(403, anonymous=401, hr=404, assessor=404, admin=200)),
    # Retention and sickness metrics (issue 7): directors and HR see their trust, directors and admins
    # the partnership; HR alone the Bradford list; admins load the published benchmark.
    Row("GET", "/metrics", "/metrics", statuses(403, anonymous=302, hr=200, director=200, admin=200),
        other_url="/metrics?scope=RV5", other_expected=statuses(403, anonymous=302, admin=200)),
    Row("GET", "/metrics", "/metrics?scope=partnership",
        statuses(403, anonymous=302, director=200, admin=200)),
    Row("GET", "/metrics/charts/<string:name>.csv", "/metrics/charts/sickness-trend.csv",
        statuses(403, anonymous=302, hr=200, director=200, admin=200),
        other_url="/metrics/charts/sickness-trend.csv?scope=RV5",
        other_expected=statuses(403, anonymous=302, admin=200)),
    Row("GET", "/metrics/bradford", "/metrics/bradford", statuses(403, anonymous=302, hr=200)),
    Row("GET", "/admin/published-sickness", "/admin/published-sickness",
        statuses(403, anonymous=302, admin=200)),
    Row("POST", "/admin/published-sickness", "/admin/published-sickness",
        statuses(403, anonymous=302, admin=422), form={}),
    Row("GET", "/metrics/assets/plotly.min.js", "/metrics/assets/plotly.min.js", statuses(200)),
    Row("GET", "/metrics/assets/plotly.css", "/metrics/assets/plotly.css", statuses(200)),
    *[
        Row("GET", f"/api/v1/metrics/{metric}", f"/api/v1/metrics/{metric}?trust=RPG&from=2024-01&to=2024-03",
            statuses(403, anonymous=401, hr=200, director=200, admin=200),
            other_url=f"/api/v1/metrics/{metric}?trust=RV5&from=2024-01&to=2024-03",
            other_expected=statuses(403, anonymous=401, admin=200))
        for metric in ("sickness", "leavers", "stability")
    ],
    *[
        Row("GET", f"/api/v1/metrics/{metric}", f"/api/v1/metrics/{metric}?partnership=true&from=2024-01&to=2024-03",
            statuses(403, anonymous=401, director=200, admin=200))
        for metric in ("sickness", "leavers", "stability")
    ],
]  # fmt: skip
