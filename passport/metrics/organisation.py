"""Drill-down below a trust: its directorates, and each directorate's wards or departments (from the ESR
extract's organisation columns on each assignment), and the table that leads from one level to the next.

A directorate's or ward's figures are counted from the records (the roll-ups keep no such cells), with
the same suppression as every other figure (passport.metrics.disclosure: the selection carries the
directorate and ward).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import InvalidInput
from passport.metrics.disclosure import MIN_PEOPLE, PeopleInPost, Selection
from passport.metrics.operations import scope_for
from passport.metrics.queries import Period
from passport.metrics.rollups import retention_source, sickness_source
from passport.trusts.models import Trust
from passport.workforce.models import Assignment

if TYPE_CHECKING:
    from passport.metrics.dashboard import ChartData

DIRECTORATE_FIELD, WARD_FIELD = "directorate", "ward"


def directorates_of(session: Session, trust: Trust) -> list[str]:
    """The trust's directorates, as its assignments name them, in alphabetical order."""
    found = session.scalars(
        select(Assignment.directorate)
        .where(Assignment.trust_id == trust.id, Assignment.directorate.is_not(None))
        .distinct()
    )
    return sorted(found)


def wards_of(session: Session, trust: Trust, directorate: str | None) -> list[str]:
    """The wards or departments of one of the trust's directorates (of the whole trust when None)."""
    conditions = [Assignment.trust_id == trust.id, Assignment.ward.is_not(None)]
    if directorate is not None:
        conditions.append(Assignment.directorate == directorate)
    return sorted(session.scalars(select(Assignment.ward).where(*conditions).distinct()))


def check_drill_down(
    session: Session, trust: Trust | None, directorate: str | None, ward: str | None
) -> tuple[str | None, str | None]:
    """The directorate and ward asked for, refused (naming the field) unless the chosen trust has them:
    a directorate needs a trust, and a ward must be one of the trust's (and of the directorate's, when
    one is chosen). So a drill-down can never reach into another trust."""
    if trust is None:
        for field, value in ((DIRECTORATE_FIELD, directorate), (WARD_FIELD, ward)):
            if value:
                raise InvalidInput(
                    "Choose a trust first: directorates and wards are a trust's own, not the partnership's",
                    field=field,
                )
        return None, None
    if directorate and directorate not in directorates_of(session, trust):
        raise InvalidInput(
            f"There is no directorate called {directorate} at {trust.name}", field=DIRECTORATE_FIELD
        )
    if ward and ward not in wards_of(session, trust, directorate or None):
        where = f"{directorate} at {trust.name}" if directorate else trust.name
        raise InvalidInput(f"There is no ward or department called {ward} in {where}", field=WARD_FIELD)
    return directorate or None, ward or None


def _rows(
    session: Session,
    trust: Trust,
    units: list[str],
    unit_scope: Callable[[str], Any],
    shown: Callable[[Any, int, int], bool],
    last_month: int,
    fingerprint: str,
) -> list[dict[str, Any]]:
    """One row a directorate (or ward): its rolling 12-month sickness rate, leaver rate and stability to
    ``last_month``. ``unit_scope`` makes a unit's Scope; ``shown`` says whether figures about that scope
    over those months may be shown (the page's suppression)."""
    from passport.metrics.dashboard import _sickness_rate  # the dashboard's own rule for a rate shown

    first = last_month - 11
    year = Period(first, last_month)
    rows = []
    for unit in units:
        scope = unit_scope(unit)
        visible = shown(scope, first, last_month)
        sickness = sickness_source(session, scope, first, last_month, fingerprint)
        cells = sickness.by_trust(first, last_month)
        retention = retention_source(session, scope, first, last_month, fingerprint)
        leavers = retention.leavers([year], []) if visible else []
        stability = retention.stability([year], []) if visible else []
        rows.append(
            {
                "unit": unit,
                "sickness_rate_percent": _sickness_rate(cells[0] if cells else None, visible),
                "leaver_rate_percent": leavers[0].rate_percent if leavers else None,
                "stability_percent": stability[0].stability_percent if stability else None,
            }
        )
    return rows


def by_organisation_chart(
    session: Session,
    trust: Trust,
    staff_groups: tuple[str, ...],
    bands: tuple[str, ...],
    directorate: str | None,
    people: PeopleInPost | None,
    last_month: int,
    fingerprint: str,
) -> ChartData | None:
    """The trust's directorates (or the directorate's wards), each with its 12-month figures and a link
    one level down; None when the records name none."""
    from passport.metrics.dashboard import ChartData  # the dashboard imports this module

    units = wards_of(session, trust, directorate) if directorate else directorates_of(session, trust)
    if not units:
        return None
    field, heading = ("ward", "Ward or department") if directorate else ("directorate", "Directorate")

    def unit_scope(unit: str) -> Any:
        chosen = {"directorate": directorate, "ward": unit} if directorate else {"directorate": unit}
        return scope_for(session, trust, staff_groups, bands, **chosen)

    def shown(scope: Any, first: int, last: int) -> bool:
        return people is None or people.shown(Selection.of(scope, first, last))

    year = Period(last_month - 11, last_month)
    return ChartData(
        "by-organisation",
        f"By {heading.lower()}",
        f"{year.words}: each {heading.lower()}'s sickness absence rate, leaver rate and stability index "
        f"at the trust level. Choose one to see all its figures. Figures about fewer than {MIN_PEOPLE} "
        "people, or that would let a handful be worked out from another figure, are not shown.",
        [
            ("unit", heading),
            ("sickness_rate_percent", "Sickness rate, 12 months (%)"),
            ("leaver_rate_percent", "Leaver rate, 12 months (%)"),
            ("stability_percent", "Stability index (%)"),
        ],
        rows=_rows(session, trust, units, unit_scope, shown, last_month, fingerprint),
        kind="table",
        drill=field,
    )
