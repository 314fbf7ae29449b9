"""Removing an item from a draft and removing a crosswalk: neither can be undone, so each asks first
(passport/confirmation.py). The GET is the confirmation page naming what will happen; a POST acts only
with that page's ``confirmed=yes`` and otherwise goes to it, changing nothing.

The views are registered on the frameworks blueprint by ``views.py`` (their endpoints stay
``frameworks.remove_item`` and ``frameworks.delete_crosswalk``); they live here to keep that module short.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from competencies.frameworks import operations
from competencies.frameworks.models import Crosswalk, FrameworkItem
from competencies.frameworks.removal import item_removal
from passport.auth.policy import Action, ensure
from passport.confirmation import confirmed
from passport.db import get_session
from passport.errors import DomainError

ITEM_RULE = "/versions/<string:version_id>/items/<string:item_id>/remove"
CROSSWALK_RULE = "/crosswalks/<string:crosswalk_id>/delete"


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def draft_item_to_change(session: Session, version_id: str, item_id: str) -> FrameworkItem:
    """The item, once the user may manage its framework and its version is still a draft (else 403/409)."""
    found = operations.get_item(session, operations.get_version(session, version_id), item_id)
    operations.ensure_can_manage(_user(), found.version.framework.owner_trust_id)
    operations.ensure_draft(found.version)
    return found


def _item_url(item: FrameworkItem) -> str:
    return url_for("frameworks.item", version_id=item.version.identifier, item_id=item.identifier)


def _name(item: FrameworkItem) -> str:
    return item.human_coding_scheme or item.full_statement[:60]


@login_required
def remove_item(version_id: str, item_id: str) -> ResponseReturnValue:
    """Take an item out of a draft (a published version never changes: 409). The page names the item,
    the associations that go with it and the published versions that keep their copy; while something
    stops the removal (items within it, sign-offs, crosswalks) it says what, and offers no button (409)."""
    session = get_session()
    found = draft_item_to_change(session, version_id, item_id)
    if request.method == "GET":
        removal = item_removal(session, found)
        page = render_template(
            "frameworks/remove_item_confirm.html", removal=removal, item_url=_item_url(found)
        )
        return page, 409 if removal.reasons else 200
    if not confirmed():
        return redirect(url_for("frameworks.remove_item", version_id=version_id, item_id=item_id))
    name = _name(found)
    try:
        operations.remove_draft_item(session, found, actor=_user())
    except DomainError as error:  # it has children, or sign-offs or crosswalks refer to it
        session.rollback()  # answered with a redirect, which would otherwise keep what was begun
        flash(f"{name} was not removed. {error.message}", "error")
        return redirect(url_for("frameworks.item", version_id=version_id, item_id=item_id))
    flash(f"{name} is removed from this draft.", "success")
    return redirect(url_for("frameworks.version", version_id=version_id))


def _back_to(crosswalk: Crosswalk) -> FrameworkItem:
    """The item page the person came from: the shared item's when the link said so, else the trust's."""
    return crosswalk.shared_item if request.values.get("from") == "shared" else crosswalk.local_item


@login_required
def delete_crosswalk(crosswalk_id: str) -> ResponseReturnValue:
    """Remove a crosswalk: the page names the two items it links and what stops when it goes."""
    session = get_session()
    crosswalk = operations.get_crosswalk(session, crosswalk_id)
    ensure(_user(), Action.MANAGE_CROSSWALKS, crosswalk.trust_id)
    back = _back_to(crosswalk)
    came_from = "shared" if back is crosswalk.shared_item else None
    if request.method == "GET":
        return render_template(
            "frameworks/crosswalk_remove_confirm.html",
            crosswalk=crosswalk,
            item_url=_item_url,
            back_url=_item_url(back),
            came_from=came_from,
        )
    if not confirmed():
        query = {"from": came_from} if came_from else {}
        return redirect(url_for("frameworks.delete_crosswalk", crosswalk_id=crosswalk_id, **query))
    local, shared = _name(crosswalk.local_item), _name(crosswalk.shared_item)
    operations.delete_crosswalk(session, crosswalk, actor=_user())
    flash(f"The crosswalk between {local} and {shared} is removed.", "success")
    return redirect(_item_url(back))
