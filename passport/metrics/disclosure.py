"""Small-number suppression by people: no figure a director sees is about fewer than 5 people, and no
difference of two figures that can be asked for is either.

Every figure is about the people whose own posts fall in a *selection*: some trusts (one or all), staff
groups and bands (each all or one: several together are not offered, see operations.build_query), a
directorate, a ward and a cost centre (each all or one), and a run of months. A figure is shown only when

1. its selection holds at least ``MIN_PEOPLE`` people;
2. no larger figure that can be asked for differs from it by 1 to 4 people: widening any of its trust,
   staff group, band, directorate, ward and cost centre to "all", and lengthening its months to either
   side, adds nobody or at least ``MIN_PEOPLE`` people. (The directorate, ward and cost centre are
   widened independently, so a ward's figure is checked against its directorate's and its trust's, and
   against some figures nobody can ask for, such as a ward of that name in any directorate: stricter
   than needed, never looser.)

The proof that two shown figures never differ by 1 to 4 people is in docs/metrics.md ("Small numbers"); the
property test (tests/unit/metrics/test_disclosure_property.py) checks it on random workforces against a
brute-force count. People are counted exactly (distinct staff members) from their posts, with a per-month
grid of people per trust, group and band that settles most questions without counting.

Why no library: the statistical disclosure control packages (sdcMicro, tau-argus) are R and Java programs
that protect a fixed set of tables; here a figure is decided on its own when it is asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.db import driver_rows
from passport.metrics.queries import (
    Place,
    Scope,
    counted,
    own_post_columns,
)
from passport.workforce.models import Assignment

MIN_PEOPLE = 5
_FAR = 10**9  # the month of an open post's end


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Month indexes (passport.metrics.queries.month_index) of day numbers since 1970-01-01."""
    months = (np.datetime64("1970-01-01", "D") + days.astype("timedelta64[D]")).astype("datetime64[M]")
    return months.astype(np.int64) + 1970 * 12


@dataclass(frozen=True)
class Selection:
    """Whose figures: trust ids (None: every partner trust), staff groups, bands, directorates, wards and
    cost centres (None: all), and the months first_month to last_month."""

    trusts: frozenset[int] | None
    groups: frozenset[str] | None
    bands: frozenset[Any] | None
    first_month: int
    last_month: int
    directorates: frozenset[Any] | None = None
    wards: frozenset[Any] | None = None
    cost_centres: frozenset[Any] | None = None

    @classmethod
    def of(cls, scope: Scope, first_month: int, last_month: int, **keys: Any) -> Selection:
        """The selection of a scope (passport.metrics.queries.Scope), narrowed by a row's breakdown keys
        (trust, staff_group, band) when given."""
        trusts = None if scope.level == "partnership" else frozenset(scope.trust_ids)
        if keys.get("trust") is not None:
            trusts = frozenset([keys["trust"]])
        groups = frozenset(scope.staff_groups) or None
        if "staff_group" in keys:
            groups = frozenset([keys["staff_group"]])
        bands = frozenset(scope.bands) or None
        if "band" in keys:
            bands = frozenset([keys["band"]])
        places = {
            dimension: None if (name := getattr(scope.place, level)) is None else frozenset([name])
            for dimension, level in zip(_PLACE_DIMENSIONS, Place.levels(), strict=True)
        }
        return cls(trusts, groups, bands, first_month, last_month, **places)

    def widened(self, dimensions: Iterable[str]) -> Selection:
        """The same selection with ``dimensions`` (of DIMENSIONS) widened to all."""
        return dataclasses.replace(self, **dict.fromkeys(dimensions))


class PeopleInPost:
    """The partnership's own posts (passport.metrics.rollups.own_posts: never bank, never a secondee
    assignment; a secondee stays in her home trust's figures) as arrays, to tell how many people any
    selection holds and whether a figure about it may be shown."""

    def __init__(self, posts: Sequence[Any], trust_ids: Iterable[int], first_month: int, last_month: int):
        """``posts``: rows of (id, trust, staff group, band, first day, last day or None, FTE, staff member)
        as ``own_posts`` reads them, then optionally the place's columns (``placed_posts``); the grid
        covers first_month - 1 to last_month + 1 (the months the
        figures asked about, and their neighbours)."""
        self.trust_ids = list(trust_ids)
        self.groups: list[Any] = sorted({p[2] for p in posts}, key=str)
        self.bands: list[Any] = sorted({p[3] for p in posts}, key=str)
        trust_code = {t: i for i, t in enumerate(self.trust_ids)}
        group_code = {g: i for i, g in enumerate(self.groups)}
        band_code = {b: i for i, b in enumerate(self.bands)}
        kept = [p for p in posts if p[1] in trust_code]
        # A place is a (directorate, ward, cost centre) as the posts record it: one dimension of the grid,
        # so the grid grows with the places there are, not with directorates times wards times cost centres.
        posts_places = [_place(p) for p in kept]
        self.places: list[tuple[Any, ...]] = sorted(set(posts_places), key=str)
        place_code = {place: i for i, place in enumerate(self.places)}
        self.trust = np.array([trust_code[p[1]] for p in kept], dtype=np.int64)
        self.group = np.array([group_code[p[2]] for p in kept], dtype=np.int64)
        self.band = np.array([band_code[p[3]] for p in kept], dtype=np.int64)
        self.place = np.array([place_code[place] for place in posts_places], dtype=np.int64)
        self._varying = self._varying_dimensions()
        self.person = np.array([p[7] for p in kept], dtype=np.int64)
        self.post_id = np.array([p[0] for p in kept], dtype=np.int64)
        starts = np.array([p[4] for p in kept], dtype=np.int64)
        ends = np.array([-1 if p[5] is None else p[5] for p in kept], dtype=np.int64)
        self.start_month = months_of_days(starts) if len(kept) else starts
        self.end_month = np.where(ends < 0, _FAR, months_of_days(np.maximum(ends, 0))) if len(kept) else ends
        self.start_day, self.end_day = starts, np.where(ends < 0, _FAR, ends)
        self.first_month, self.last_month = first_month - 1, last_month + 1
        self.grid = self._grid()
        self._decided: dict[Selection, bool] = {}
        # A selection's cells and posts by its trusts, groups, bands and places: a dashboard asks about
        # the same ones month after month.
        self._chosen: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}

    # --- counting ----------------------------------------------------------------------------------------
    def _grid(self) -> np.ndarray:
        """People in post per trust, staff group, band, place and month of the window (exact: distinct
        people)."""
        months = self.last_month - self.first_month + 1
        shape = (
            len(self.trust_ids),
            max(len(self.groups), 1),
            max(len(self.bands), 1),
            max(len(self.places), 1),
            months,
        )
        grid = np.zeros(shape, dtype=np.int64)
        n_people = int(self.person.max()) + 1 if len(self.person) else 1
        atom = ((self.trust * shape[1] + self.group) * shape[2] + self.band) * shape[3] + self.place
        cells = shape[0] * shape[1] * shape[2] * shape[3]
        # Each (cell, person) pair numbered once, so that a month marks its pairs rather than sorting them
        # (a person with two posts in one cell is one person there).
        pairs, pair_of_post = np.unique(atom * n_people + self.person, return_inverse=True)
        cell_of_pair = pairs // n_people
        for column, month in enumerate(range(self.first_month, self.last_month + 1)):
            during = (self.start_month <= month) & (self.end_month >= month)
            present = np.zeros(len(pairs), dtype=bool)
            present[pair_of_post[during]] = True
            counts = np.bincount(cell_of_pair[present], minlength=cells)
            grid[..., column] = counts.reshape(shape[:4])
        return grid

    @property
    def asked(self) -> tuple[int, int]:
        """The period the grid was built for (it holds a month more on either side)."""
        return self.first_month + 1, self.last_month - 1

    def covers(self, first_month: int, last_month: int) -> bool:
        """Whether the grid was built for a period holding first_month to last_month."""
        return self.asked[0] <= first_month and last_month <= self.asked[1]

    def masks(self, selection: Selection) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Which trusts, staff groups, bands and places (by code) the selection takes in."""

        def mask(values: list[Any], chosen: frozenset[Any] | None) -> np.ndarray:
            return np.array([chosen is None or v in chosen for v in values], dtype=bool)

        chosen = [getattr(selection, dimension) for dimension in _PLACE_DIMENSIONS]
        in_place = [
            all(names is None or name in names for names, name in zip(chosen, place, strict=True))
            for place in self.places
        ]
        return (
            mask(self.trust_ids, selection.trusts),
            mask(self.groups, selection.groups),
            mask(self.bands, selection.bands),
            np.array(in_place or [True], dtype=bool),
        )

    def _varying_dimensions(self) -> frozenset[str]:
        """The dimensions (of DIMENSIONS) on which the posts hold more than one value."""
        codes = {"trusts": self.trust, "groups": self.group, "bands": self.band}
        varying = {dim for dim, code in codes.items() if len(code) and bool((code != code[0]).any())}
        places = [self.places[int(code)] for code in np.unique(self.place)]
        for i, dimension in enumerate(_PLACE_DIMENSIONS):
            if len({place[i] for place in places}) > 1:
                varying.add(dimension)
        return frozenset(varying)

    def _posts_in(self, masks: tuple[np.ndarray, ...]) -> np.ndarray:
        in_t, in_g, in_b, in_p = masks
        if not len(self.person):
            return np.zeros(0, dtype=bool)
        return in_t[self.trust] & in_g[self.group] & in_b[self.band] & in_p[self.place]

    def _people(self, posts: np.ndarray, first: int, last: int) -> int:
        """Distinct people among ``posts`` (a mask) in post at some time in months first to last."""
        during = posts & (self.start_month <= last) & (self.end_month >= first)
        return len(np.unique(self.person[during]))

    def _cells(self, masks: tuple[np.ndarray, ...]) -> np.ndarray:
        """The trust/group/band/place cells of a selection's masks, as one boolean array."""
        in_t, in_g, in_b, in_p = masks
        return in_t[:, None, None, None] & in_g[None, :, None, None] & in_b[None, None, :, None] & in_p

    def _at_least(self, cells: np.ndarray, posts: np.ndarray, first: int, last: int) -> int:
        """How many people ``posts`` (in the grid's ``cells``) hold in months first to last, counted only
        when it matters: MIN_PEOPLE as soon as one cell of the grid holds that many, 0 when every cell is
        empty, else the exact count."""
        if self.first_month <= first and last <= self.last_month and len(self.person):
            block = self.grid[cells][:, first - self.first_month : last - self.first_month + 1]
            most = int(block.max()) if block.size else 0
            if most >= MIN_PEOPLE:
                return MIN_PEOPLE
            if most == 0:
                return 0
        return self._people(posts, first, last)

    def people(self, selection: Selection) -> int:
        """How many people the selection holds (exactly)."""
        masks = self.masks(selection)
        return self._people(self._posts_in(masks), selection.first_month, selection.last_month)

    # --- deciding ----------------------------------------------------------------------------------------
    def shown(self, selection: Selection) -> bool:
        """Whether a figure about this selection may be shown (the rule in the module's docstring)."""
        if selection not in self._decided:
            self._decided[selection] = self._decide(selection)
        return self._decided[selection]

    def _decide(self, asked: Selection) -> bool:
        s = self._tightened(asked)
        if s is None:
            return False
        first, last = s.first_month, s.last_month
        cells, posts = self._cells_and_posts(s)
        if self._at_least(cells, posts, first, last) < MIN_PEOPLE:
            return False
        # A dimension with one value in the whole grid (every post in the same directorate, or none named)
        # cannot be widened to anyone new: leaving it out halves the widenings to check, exactly.
        narrowed = [dim for dim in DIMENSIONS if getattr(s, dim) is not None and dim in self._varying]
        return all(
            self._widening_safe(s, cells, posts, widened)
            for size in range(len(narrowed) + 1)
            for widened in combinations(narrowed, size)
        )

    def _tightened(self, s: Selection) -> Selection | None:
        """The same people and months as ``s``, named as narrowly as they allow: a trust, staff group or
        band that every post of the selection shares is named, and the months shrink to those anyone is
        in post. Any figure holding this selection's posts and months is then a widening of the tightened
        one (each of its trust, group and band the same or all; its months around these), which is what
        ``_widening_safe`` goes through. None when nobody is in post."""
        cells, posts = self._cells_and_posts(s)
        if self.first_month <= s.first_month and s.last_month <= self.last_month and len(self.person):
            return self._tightened_on_grid(s, cells)
        active = posts & (self.start_month <= s.last_month) & (self.end_month >= s.first_month)
        if not active.any():
            return None

        def only(codes: np.ndarray, names: list[Any], chosen: frozenset[Any] | None) -> frozenset[Any] | None:
            present = np.unique(codes[active])
            return frozenset([names[int(present[0])]]) if len(present) == 1 else chosen

        return Selection(
            only(self.trust, self.trust_ids, s.trusts),
            only(self.group, self.groups, s.groups),
            only(self.band, self.bands, s.bands),
            max(s.first_month, int(self.start_month[active].min())),
            min(s.last_month, int(self.end_month[active].max())),
            **self._places_shared(np.unique(self.place[active]), s),
        )

    def _places_shared(self, present: np.ndarray, s: Selection) -> dict[str, frozenset[Any] | None]:
        """The directorate, ward and cost centre every present place shares, named; else the selection's
        own (by Selection field)."""
        shared = {}
        for i, dimension in enumerate(_PLACE_DIMENSIONS):
            names = {self.places[int(code)][i] for code in present}
            shared[dimension] = frozenset(names) if len(names) == 1 else getattr(s, dimension)
        return shared

    def _tightened_on_grid(self, s: Selection, cells: np.ndarray) -> Selection | None:
        """``_tightened`` read off the grid (the same answer: a cell holds anyone in post in its month)."""
        months = slice(s.first_month - self.first_month, s.last_month - self.first_month + 1)
        block = self.grid[..., months] * cells[..., None]
        occupied = block > 0
        if not occupied.any():
            return None

        def present_on(axis: int) -> np.ndarray:
            return np.flatnonzero(occupied.any(axis=tuple(a for a in range(5) if a != axis)))

        def only(axis: int, names: list[Any], chosen: frozenset[Any] | None) -> frozenset[Any] | None:
            present = present_on(axis)
            return frozenset([names[int(present[0])]]) if len(present) == 1 else chosen

        in_month = np.flatnonzero(occupied.any(axis=(0, 1, 2, 3)))
        return Selection(
            only(0, self.trust_ids, s.trusts),
            only(1, self.groups, s.groups),
            only(2, self.bands, s.bands),
            s.first_month + int(in_month[0]),
            s.first_month + int(in_month[-1]),
            **self._places_shared(present_on(3), s),
        )

    def _widening_safe(
        self, s: Selection, cells: np.ndarray, posts: np.ndarray, widened: tuple[str, ...]
    ) -> bool:
        """Widening ``widened`` to all, and then the months to either side, adds nobody or at least
        MIN_PEOPLE people, at the smallest widening that adds anyone (any larger one adds more)."""
        wide_cells, wide_posts = self._cells_and_posts(s.widened(widened))
        if widened:
            added = self._at_least(wide_cells & ~cells, wide_posts & ~posts, s.first_month, s.last_month)
            if added:
                return added >= MIN_PEOPLE
        # Nobody added in the months themselves: the nearest months before and after with anyone.
        for month in (
            self._nearest_before(wide_cells, wide_posts, s.first_month),
            self._nearest_after(wide_cells, wide_posts, s.last_month),
        ):
            if month is not None and self._at_least(wide_cells, wide_posts, month, month) < MIN_PEOPLE:
                return False
        return True

    def _cells_and_posts(self, s: Selection) -> tuple[np.ndarray, np.ndarray]:
        """The selection's cells of the grid and its posts (``_cells``, ``_posts_in``), whatever its
        months."""
        chosen = tuple(getattr(s, dimension) for dimension in DIMENSIONS)
        if chosen not in self._chosen:
            masks = self.masks(s)
            self._chosen[chosen] = (self._cells(masks), self._posts_in(masks))
        return self._chosen[chosen]

    def _anyone_on_grid(self, cells: np.ndarray, month: int) -> bool:
        """Whether the grid holds the month and anyone of ``cells`` is in post in it."""
        return self.first_month <= month <= self.last_month and bool(
            self.grid[cells][:, month - self.first_month].any()
        )

    def _nearest_before(self, cells: np.ndarray, posts: np.ndarray, first: int) -> int | None:
        """The latest month before ``first`` with anyone of ``posts`` (in the grid's ``cells``) in post:
        most often the month just before, which the grid answers without going through the posts."""
        if self._anyone_on_grid(cells, first - 1):
            return first - 1
        earlier = posts & (self.start_month < first)
        return int(np.minimum(self.end_month[earlier], first - 1).max()) if earlier.any() else None

    def _nearest_after(self, cells: np.ndarray, posts: np.ndarray, last: int) -> int | None:
        """The earliest month after ``last`` with anyone of ``posts`` (in the grid's ``cells``) in post."""
        if self._anyone_on_grid(cells, last + 1):
            return last + 1
        later = posts & (self.end_month > last)
        return int(np.maximum(self.start_month[later], last + 1).min()) if later.any() else None


def people_in_post(
    session: Session, partnership: Scope, first_month: int, last_month: int, fingerprint: str | None = None
) -> PeopleInPost:
    """The partnership's own posts read once, for deciding figures about first_month to last_month. With
    the records' fingerprint (passport.metrics.fingerprint), kept in the session for the next dashboard
    counted from the same records (a refresh counts several): one kept for a period holding this one
    serves it, since a grid over more months changes no answer. Asked about months it does not hold, it
    is built again over both periods (a refresh builds it over all its dashboards' periods first, as
    each trust's records end in their own month)."""
    key = _people_key(fingerprint)
    # The posts a full count of the roll-ups has just read, when it has (passport.metrics.rollups): taken,
    # so that they are not kept beside the grid.
    posts = session.info.get(_KEPT, {}).pop(_posts_key(partnership, fingerprint), None)
    kept: PeopleInPost | None = kept_only(session, key) if fingerprint is not None else None
    if kept is not None:
        if kept.covers(first_month, last_month):
            return kept
        first_month, last_month = min(first_month, kept.asked[0]), max(last_month, kept.asked[1])
    if posts is None:
        posts = placed_posts(session, partnership)
    people = PeopleInPost(posts, partnership.trust_ids, first_month, last_month)
    if fingerprint is not None:
        keep_in_session(session, key, people)
    return people


def placed_posts(session: Session, scope: Scope) -> list[tuple[Any, ...]]:
    """Everyone's own posts as ``passport.metrics.rollups.own_posts`` reads them, each followed by its
    place's columns (Place.levels()), which figures of a place are decided by."""
    places = (getattr(Assignment, level) for level in Place.levels())
    query = select(*own_post_columns(), *places).where(counted(Assignment, scope))
    return driver_rows(session, query)


def placed_posts_for_people(session: Session, scope: Scope, fingerprint: str | None) -> list[tuple[Any, ...]]:
    """``placed_posts``, left in the session with the records' fingerprint for the next grid of people in
    post built from the same records (``people_in_post`` takes them): a refresh counts the roll-ups from
    the same posts just before it builds the grid."""
    posts = placed_posts(session, scope)
    if fingerprint is not None:
        keep_in_session(session, _posts_key(scope, fingerprint), posts)
    return posts


def keep_people(session: Session, scope: Scope, fingerprint: str, people: PeopleInPost) -> None:
    """Keep a grid built from the posts ``placed_posts_for_people`` left (by a full recount, beside its
    count) as ``people_in_post`` keeps its own; the posts are let go."""
    session.info.get(_KEPT, {}).pop(_posts_key(scope, fingerprint), None)
    keep_in_session(session, _people_key(fingerprint), people)


def _posts_key(scope: Scope, fingerprint: str | None) -> tuple[Any, ...]:
    return ("posts", fingerprint, scope)


def _people_key(fingerprint: str | None) -> tuple[Any, ...]:
    return ("people", fingerprint)


_KEPT = "passport_disclosure"


def kept_in_session(session: Session, key: tuple[Any, ...], make: Any) -> Any:
    """What ``make`` builds, kept in this session under ``key`` (which names the records' state), so
    never across sessions, whose records may differ; a handful at most, the least recently used let go
    first (a refresh keeps the sickness absences, the people and reasons of each period it counts, and
    the secondment counts shared by its dashboards)."""
    kept: dict[tuple[Any, ...], Any] = session.info.setdefault(_KEPT, {})
    if key in kept:
        kept[key] = kept.pop(key)  # the most recently used last
    else:
        if len(kept) >= 16:
            del kept[next(iter(kept))]
        kept[key] = make()
    return kept[key]


def keep_in_session(session: Session, key: tuple[Any, ...], value: Any) -> None:
    """Keep ``value`` under ``key`` as ``kept_in_session`` would, replacing what was kept there."""
    session.info.get(_KEPT, {}).pop(key, None)
    kept_in_session(session, key, lambda: value)


def kept_only(session: Session, key: tuple[Any, ...]) -> Any:
    """What this session keeps under ``key``, or None: never builds it."""
    return session.info.get(_KEPT, {}).get(key)


# Selection's fields for Place.levels(), in that order.
_PLACE_DIMENSIONS = ("directorates", "wards", "cost_centres")
DIMENSIONS = ("trusts", "groups", "bands", *_PLACE_DIMENSIONS)
_POST_COLUMNS = 8  # own_post_columns(): the place's columns follow


def _place(post: Sequence[Any]) -> tuple[Any, ...]:
    """A post's place (directorate, ward, cost centre); none named for rows read without them."""
    place = tuple(post[_POST_COLUMNS : _POST_COLUMNS + len(_PLACE_DIMENSIONS)])
    return place if len(place) == len(_PLACE_DIMENSIONS) else (None,) * len(_PLACE_DIMENSIONS)
