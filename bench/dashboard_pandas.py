"""The pandas baseline of bench_dashboard.py: the dashboard's definitions computed straightforwardly over
the generated records (dashboard_records.generate), in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dashboard_records import day_of


def pandas_dashboard(data: dict[str, pd.DataFrame]) -> dict[str, object]:
    everyone = data["assignment"]
    # Her own posts only: bank and secondee assignments are left out of every figure; sickness recorded
    # on a secondee assignment counts on her own post covering those days (her home trust, her FTE).
    a = everyone[everyone["person_type"] == "employee"].copy()
    ab = data["absence"]
    secondee_ids = everyone.loc[everyone["person_type"] == "secondee", ["id", "staff_member_id"]].rename(
        columns={"id": "secondee_assignment_id"}
    )
    on_secondment = ab.merge(secondee_ids, left_on="assignment_id", right_on="secondee_assignment_id").merge(
        a[["id", "staff_member_id", "trust_id", "start", "end"]].rename(
            columns={"id": "home_id", "trust_id": "home_trust", "start": "h_start", "end": "h_end"}
        ),
        on="staff_member_id",
    )
    inside = (on_secondment["h_start"] <= on_secondment["first"]) & (
        (on_secondment["h_end"] < 0) | (on_secondment["h_end"] >= on_secondment["first"])
    )
    moved_sickness = on_secondment[inside].assign(
        assignment_id=lambda f: f["home_id"], trust_id=lambda f: f["home_trust"]
    )[ab.columns]
    # (Days recorded as sick at both home and host are not merged here, as the service merges them: a
    # little less work for pandas, so its time is if anything flattered.)
    ab = pd.concat(
        [ab[~ab["assignment_id"].isin(secondee_ids["secondee_assignment_id"])], moved_sickness],
        ignore_index=True,
    )
    months = pd.period_range("2022-02", "2024-12", freq="M")
    m_first = np.array([day_of(p.start_time.date()) for p in months])
    m_last = np.array([day_of(p.end_time.date()) for p in months])
    a_end = np.where(a["end"] < 0, 10**9, a["end"])
    # FTE days available: every assignment against every month.
    overlap = (
        np.minimum(a_end[:, None], m_last[None, :])
        - np.maximum(a["start"].to_numpy()[:, None], m_first[None, :])
        + 1
    )
    available = pd.DataFrame(
        np.clip(overlap, 0, None) * a["fte"].to_numpy()[:, None], columns=range(len(months))
    )
    available["trust_id"] = a["trust_id"].to_numpy()
    avail_by_trust = available.groupby("trust_id").sum()
    # FTE days lost: each sickness absence, clipped to its assignment, against every month.
    sick = ab[ab["category"] == "SICKNESS"].merge(
        a[["id", "start", "end", "fte"]], left_on="assignment_id", right_on="id"
    )
    s_end = np.where(sick["end"] < 0, 10**9, sick["end"])
    lo = np.maximum(sick["first"].to_numpy(), sick["start"].to_numpy())
    lost_cols = []
    for i in range(len(months)):
        hi = np.minimum(np.where(sick["last"] < 0, m_last[i], sick["last"]), s_end)
        days = np.clip(np.minimum(hi, m_last[i]) - np.maximum(lo, m_first[i]) + 1, 0, None)
        lost_cols.append(days * sick["fte"].to_numpy())
    lost = pd.DataFrame(np.array(lost_cols).T, columns=range(len(months)))
    lost["trust_id"] = sick["trust_id"].to_numpy()
    lost["reason_code"] = sick["reason_code"].to_numpy()
    lost_by_trust = lost.drop(columns="reason_code").groupby("trust_id").sum()
    rate = lost_by_trust / avail_by_trust * 100
    rolling = lost_by_trust.T.rolling(12).sum().T / avail_by_trust.T.rolling(12).sum().T * 100
    reasons = lost.groupby("reason_code")[list(range(len(months) - 12, len(months)))].sum().sum(axis=1)
    # Leavers and stability, both levels, rolling 12 months, per trust and for the partnership.
    a_sorted = a.sort_values(["staff_member_id", "start"])

    def leave_events(level: str) -> pd.DataFrame:
        ends = a_sorted[a_sorted["end"] >= 0][["staff_member_id", "trust_id", "end"]]
        nxt = a_sorted[["staff_member_id", "trust_id", "start", "end"]].rename(
            columns={"start": "n_start", "end": "n_end", "trust_id": "n_trust"}
        )
        keys = ["staff_member_id"] + (["trust_id"] if level == "trust" else [])
        pairs = ends.merge(
            nxt, left_on=keys, right_on=["staff_member_id"] + (["n_trust"] if level == "trust" else [])
        )
        carried = pairs[
            (pairs["n_start"] <= pairs["end"] + 1) & ((pairs["n_end"] < 0) | (pairs["n_end"] > pairs["end"]))
        ]
        carried_keys = set(zip(carried["staff_member_id"], carried["trust_id"], carried["end"], strict=True))
        mask = [
            k not in carried_keys
            for k in zip(ends["staff_member_id"], ends["trust_id"], ends["end"], strict=True)
        ]
        return ends[mask].drop_duplicates(
            ["staff_member_id", "end"] + (["trust_id"] if level == "trust" else [])
        )

    results = {"rate": rate, "rolling": rolling, "reasons": reasons}
    for level in ("trust", "partnership"):
        events = leave_events(level)
        series = []
        for i in range(12, len(months)):
            p_first, p_last = m_first[i - 11], m_last[i]
            in_first = a[(a["start"] <= p_first) & ((a["end"] < 0) | (a["end"] >= p_first))]
            in_last = a[(a["start"] <= p_last) & ((a["end"] < 0) | (a["end"] >= p_last))]
            leavers = events[(events["end"] >= p_first) & (events["end"] <= p_last)]
            if level == "trust":
                hc0 = in_first.groupby("trust_id")["staff_member_id"].nunique()
                hc1 = in_last.groupby("trust_id")["staff_member_id"].nunique()
                # Stable: in post at the start and at the end, whatever happened between.
                cohort = in_first[["staff_member_id", "trust_id"]].drop_duplicates()
                still = cohort.merge(
                    in_last[["staff_member_id", "trust_id"]].drop_duplicates(),
                    on=["staff_member_id", "trust_id"],
                )
                stay = still.groupby("trust_id").size() / hc0 * 100
                series.append((leavers.groupby("trust_id").size() / ((hc0 + hc1) / 2) * 100, stay))
            else:
                hc0, hc1 = in_first["staff_member_id"].nunique(), in_last["staff_member_id"].nunique()
                still = set(in_first["staff_member_id"]) & set(in_last["staff_member_id"])
                series.append((len(leavers) / ((hc0 + hc1) / 2) * 100, len(still) / hc0 * 100))
        results[level] = series
    return results
