"""Framework pages and commands: upload, tree, search, item, edit, publish, diff, refresher periods,
the sign-off form, and import-case / export-case / load-cstf."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from competencies.frameworks.case_package import MAX_HIERARCHY_LEVELS, parse_case_package
from competencies.frameworks.models import (
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    SignOff,
    TrustRefresherSetting,
)
from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.case_conformance import assert_case_valid, case_content
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.framework_factories import imported_framework, small_package

OPENSALT = Path("/work/shared/data/case-samples/opensalt-framework-20c5134f.json")


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


def _upload(client, content: bytes, **fields):  # type: ignore[no-untyped-def]
    data = {"package": (io.BytesIO(content), "framework.json"), "owner": "", **fields}
    return client.post("/frameworks/import", data=data, content_type="multipart/form-data")


def test_upload_imports_and_shows_the_tree(client, admin, session) -> None:
    response = _upload(client, OPENSALT.read_bytes())
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "What Standards Could Be" in html and "framework-tree" in html and "Publish version 1" in html


def test_the_deepest_hierarchy_allowed_shows_as_nested_details_and_a_deeper_one_is_refused(
    client, admin, session
) -> None:
    levels = MAX_HIERARCHY_LEVELS
    codes = tuple(".".join(["L"] * n) for n in range(1, levels + 2))  # L, L.L, L.L.L, ... one too deep
    refused = _upload(client, json.dumps(small_package(codes=codes)).encode())
    assert refused.status_code == 422
    assert f"deeper than {levels} levels" in refused.get_data(as_text=True)
    response = _upload(client, json.dumps(small_package(codes=codes[:-1])).encode())
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    start = end = html.index('<ul class="nhsuk-list framework-tree">')
    for _ in range(levels):
        end = html.index("</ul>", end) + len("</ul>")
    tree = html[start:end]
    # Each level's list sits in the details of the entry above it: <ul><li>...<details>...<ul><li>... and
    # closed in order, innermost first.
    assert tree.count('<ul class="nhsuk-list framework-tree">') == levels
    assert tree.count("<li>") == tree.count("</li>") == levels
    assert tree.count("<details") == tree.count("</details>") == levels - 1
    closing = "</li></ul>" + "</div></details></li></ul>" * (levels - 1)
    assert re.sub(r"\s+", "", tree).endswith(closing)
    assert tree.index(f"<strong>{codes[levels - 1]}</strong>") > tree.index(
        f"<strong>{codes[levels - 2]}</strong>"
    )


def test_upload_of_a_broken_package_lists_every_problem_and_saves_nothing(client, admin, session) -> None:
    package = small_package()
    package["CFItems"][1]["identifier"] = package["CFItems"][0]["identifier"]
    before = session.scalar(select(func.count()).select_from(FrameworkVersion))
    response = _upload(client, json.dumps(package).encode())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "$.CFItems[1].identifier" in html
    assert _upload(client, b"not json at all").status_code == 422
    assert session.scalar(select(func.count()).select_from(FrameworkVersion)) == before


def test_draft_edit_publish_new_version_and_diff_pages(client, admin, session) -> None:
    version = imported_framework(session, publish=False)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    base = f"/frameworks/versions/{version.identifier}"
    edit = client.post(
        f"{base}/items/{item.identifier}/edit",
        data={"full_statement": "Edited words", "human_coding_scheme": "A", "item_type": "", "notes": ""},
    )
    assert edit.status_code == 302
    blank = client.post(f"{base}/items/{item.identifier}/edit", data={"full_statement": ""})
    assert blank.status_code == 422 and "Enter the full statement" in blank.get_data(as_text=True)
    assert client.post(f"{base}/publish", data={"confirmed": "yes"}).status_code == 302
    refused = client.get(f"{base}/items/{item.identifier}/edit")
    assert refused.status_code == 409 and "never changes" in refused.get_data(as_text=True)
    started = client.post(f"/frameworks/{version.framework.identifier}", data={"version_label": "2"})
    assert started.status_code == 302
    new_version = session.scalar(select(FrameworkVersion).where(FrameworkVersion.version_label == "2"))
    added = client.post(
        f"/frameworks/versions/{new_version.identifier}/items/new",
        data={"full_statement": "A new one", "parent": ""},
    )
    assert added.status_code == 302
    diff = client.get(f"/frameworks/versions/{new_version.identifier}/diff").get_data(as_text=True)
    assert "1 added, 0 removed, 0 reworded, 4 unchanged" in diff and "A new one" in diff


def test_a_draft_item_is_removed_from_its_page_unless_it_has_children(client, admin, session) -> None:
    version = imported_framework(session, publish=False, codes=("SAFE", "SAFE.1", "CARE"))
    base = f"/frameworks/versions/{version.identifier}"
    items = {
        item.human_coding_scheme: item
        for item in session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id))
    }
    page = client.get(f"{base}/items/{items['SAFE.1'].identifier}").get_data(as_text=True)
    assert "Remove this item from the draft" in page
    # It asks first (test_frameworks_removal_confirmation.py); confirmed, it is removed.
    removed = client.post(f"{base}/items/{items['SAFE.1'].identifier}/remove", data={"confirmed": "yes"})
    assert removed.status_code == 302 and removed.headers["Location"].endswith(base)
    assert "SAFE.1 is removed from this draft." in client.get(base).get_data(as_text=True)
    leaf = items["SAFE.1"].identifier
    session.expire_all()
    assert session.scalar(select(func.count()).where(FrameworkItem.identifier == leaf)) == 0
    assert session.scalar(select(func.count()).where(FrameworkAssociation.origin_identifier == leaf)) == 0
    # An item with children stays, and the page says why (SAFE gets a child again).
    parent = session.scalar(select(FrameworkItem).where(FrameworkItem.identifier == items["SAFE"].identifier))
    session.add(
        FrameworkAssociation(
            version_id=version.id, identifier=str(uuid.uuid4()), uri="urn:x", position=9,
            association_type="isChildOf", origin_identifier=str(uuid.uuid4()), origin_uri="urn:y",
            destination_identifier=parent.identifier, destination_uri="urn:z",
        )
    )  # fmt: skip
    session.flush()
    refused = client.post(
        f"{base}/items/{parent.identifier}/remove", data={"confirmed": "yes"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "SAFE was not removed. Remove or move this item" in refused and "children first." in refused
    session.expire_all()
    assert session.scalar(select(func.count()).where(FrameworkItem.identifier == parent.identifier)) == 1
    # A published version never changes.
    assert client.post(f"{base}/publish", data={"confirmed": "yes"}).status_code == 302
    removal = f"{base}/items/{parent.identifier}/remove"
    assert client.post(removal, data={"confirmed": "yes"}).status_code == 409
    assert client.get(removal).status_code == 409


def test_search_and_item_page(client, admin, session) -> None:
    version = imported_framework(session, codes=("CARE.1", "SAFE.1"))
    html = client.get(f"/frameworks/versions/{version.identifier}?q=safe").get_data(as_text=True)
    assert "1 item matching" in html and "SAFE.1" in html
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    page = client.get(f"/frameworks/versions/{version.identifier}/items/{item.identifier}").get_data(
        as_text=True
    )
    assert item.identifier in page and "isChildOf" in page


def test_refresher_page_saves_the_trusts_period(client, session, demo_trusts) -> None:
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    assert "Fire Safety" in client.get("/frameworks/refresher-settings").get_data(as_text=True)
    response = client.post(
        "/frameworks/refresher-settings", data={"subject_code": "CSTF-FIRE", "level": "1", "months": "12"}
    )
    assert response.status_code == 302
    setting = session.scalar(
        select(TrustRefresherSetting).where(TrustRefresherSetting.trust_id == demo_trusts[0].id)
    )
    assert (setting.subject_code, setting.months) == ("CSTF-FIRE", 12)
    bad = client.post(
        "/frameworks/refresher-settings", data={"subject_code": "CSTF-FIRE", "level": "1", "months": "0"}
    )
    assert bad.status_code == 422


def _date_boxes(name: str, day: date) -> dict[str, str]:
    """The NHS.UK date input's three boxes, as a person types them."""
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def test_sign_off_form_records_and_refuses_self_sign_off(client, session, demo_trusts) -> None:
    own, other = demo_trusts
    version = imported_framework(session)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    me = StaffMemberFactory(trust=own)
    sign_in(client, UserFactory(role=Role.ASSESSOR, trust=own, staff_member=me, email=me.email))
    nurse = StaffMemberFactory(trust=other)
    form = {
        "version": version.identifier,
        "nurse": nurse.email,
        "item": item.identifier,
        "proficiency_level": "competent",
        "method": "questioning",
        "outcome": "working_towards",
        "evidence": "",
        **_date_boxes("assessed_on", date.today() - timedelta(days=1)),
        **_date_boxes("review_on", date.today() + timedelta(days=90)),
    }
    assert "Record sign-off" in client.get(
        f"/frameworks/sign-offs/new?version={version.identifier}"
    ).get_data(as_text=True)
    assert client.post("/frameworks/sign-offs/new", data=form).status_code == 302
    refused = client.post("/frameworks/sign-offs/new", data={**form, "nurse": me.email})
    assert refused.status_code == 422 and "cannot sign themselves off" in refused.get_data(as_text=True)
    outside = client.post("/frameworks/sign-offs/new", data={**form, "nurse": "nobody@elsewhere.example"})
    assert outside.status_code == 422 and "partner trusts" in outside.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SignOff)) == 1
    listing = client.get("/frameworks/sign-offs").get_data(as_text=True)
    assert nurse.full_name in listing


def _cli(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["passport", *args])


def test_cli_import_export_round_trip_and_refusal(app, session, tmp_path) -> None:
    result = _cli(app, "import-case", str(OPENSALT))
    assert result.exit_code == 0, result.output
    document_id = result.output.strip().splitlines()[-1]
    assert document_id == "20c5134f-423d-4097-a971-3dd5152bf507"
    out = tmp_path / "export.json"
    exported = _cli(app, "export-case", document_id, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert_case_valid(json.loads(out.read_bytes()), what="export-case's file")
    assert case_content(parse_case_package(out.read_bytes())) == case_content(
        parse_case_package(OPENSALT.read_bytes())
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"CFItems": []}')
    refused = _cli(app, "import-case", str(broken))
    assert refused.exit_code == 1 and "$.CFDocument" in refused.output
    assert _cli(app, "export-case", "nope", "--out", str(out)).exit_code == 1


def test_cli_load_cstf_is_idempotent(app, session) -> None:
    assert "Loaded" in _cli(app, "load-cstf").output
    assert "Already loaded" in _cli(app, "load-cstf").output
