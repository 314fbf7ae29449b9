"""The fit check's rules over hand-made facts: no database, no verifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from competencies.jobs.fit_check import Fact, FactIndex, Need, evaluate

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=400)

DBS_ENHANCED = Need(
    "1",
    "credential",
    "DBS check (enhanced or higher)",
    credential_type="dbs-check",
    conditions={"min_level": "enhanced"},
)
NMC_NURSING = Need(
    "2",
    "credential",
    "NMC registration (nursing part)",
    credential_type="professional-registration",
    conditions={"register_parts": ["RNA", "RNC", "RNLD", "RNMH"]},
)
FIRE_1 = Need(
    "3",
    "training",
    "Fire Safety, level 1",
    credential_type="mandatory-training",
    cstf_subject="CSTF-FIRE",
    min_level=1,
)
RESUS_2 = Need(
    "4",
    "training",
    "Resuscitation, level 2",
    credential_type="mandatory-training",
    cstf_subject="CSTF-RESUS",
    min_level=2,
)
MEDS = Need(
    "5",
    "competency",
    "Medicines administration (competent)",
    credential_type="competency",
    items={
        "item-shared": "",
        "https://x.test/item-shared": "",
        "item-local": "an exact-match crosswalk from RPG-7",
    },
    min_rank=3,
    min_proficiency="competent",
)


def fact(
    kind: str,
    attributes: dict,
    *,
    until: datetime | None = LATER,
    verified: bool = True,
    problem: str | None = None,
    rank: int | None = None,
    uri: str | None = None,
) -> Fact:
    return Fact(
        uri or f"urn:uuid:{kind}-{sorted(attributes.items())}",
        kind,
        f"{kind} {attributes}",
        attributes,
        until,
        verified,
        problem,
        rank,
    )


def dbs(level: str = "enhanced", **kw) -> Fact:
    return fact("dbs-check", {"level": level, "workforce": "adult_and_child"}, **kw)


def nmc(part: str = "RNMH", **kw) -> Fact:
    return fact("professional-registration", {"registerPart": part, "pin": "12A3456E"}, **kw)


def training(code: str, level: int, **kw) -> Fact:
    return fact("mandatory-training", {"cstfSubject": code, "level": level}, **kw)


def competency(item: str, proficiency: str, rank: int, **kw) -> Fact:
    return fact("competency", {"itemIdentifier": item, "proficiency": proficiency}, rank=rank, **kw)


ALL = [DBS_ENHANCED, NMC_NURSING, FIRE_1, RESUS_2, MEDS]


def full_passport() -> list[Fact]:
    return [
        dbs(),
        nmc(),
        training("CSTF-FIRE", 1),
        training("CSTF-RESUS", 2),
        competency("item-shared", "proficient", 4),
    ]


def outcomes(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.key: r.outcome for r in result.results}


def test_everything_met_is_ready_and_names_the_credentials():
    result = evaluate(ALL, full_passport(), now=NOW)
    assert result.verdict == "ready"
    assert set(outcomes(result).values()) == {"met"}
    assert result.missing == []
    met = result.results[0]
    assert met.credential_id.startswith("urn:uuid:dbs-check")
    assert met.sentence.startswith("Met by dbs-check") and "valid until" in met.sentence


def test_nothing_held_is_not_ready_with_every_requirement_missing():
    result = evaluate(ALL, [], now=NOW)
    assert result.verdict == "not_ready"
    assert [r.label for r in result.missing] == [need.label for need in ALL]
    assert result.to_dict()["missing"] == [need.label for need in ALL]


@pytest.mark.parametrize("problem", ["it has been revoked", "it is suspended", "its issuer is not trusted"])
def test_unverified_credentials_never_meet(problem):
    facts = [f for f in full_passport() if f.credential_type != "dbs-check"] + [
        dbs(verified=False, problem=problem)
    ]
    result = evaluate(ALL, facts, now=NOW)
    assert outcomes(result)["1"] == "missing"
    assert problem in result.results[0].sentence
    assert result.verdict == "not_ready"


def test_an_expired_credential_never_meets_even_if_marked_verified():
    facts = [f for f in full_passport() if f.credential_type != "dbs-check"] + [
        dbs(until=NOW - timedelta(seconds=1))
    ]
    assert outcomes(evaluate(ALL, facts, now=NOW))["1"] == "missing"


def test_expiring_within_the_window_is_ready_with_expiring():
    soon = NOW + timedelta(days=20)
    facts = [f for f in full_passport() if f.attributes.get("cstfSubject") != "CSTF-FIRE"]
    facts.append(training("CSTF-FIRE", 1, until=soon))
    result = evaluate(ALL, facts, now=NOW)
    assert result.verdict == "ready_with_expiring"
    assert outcomes(result)["3"] == "expiring"
    assert "expires on" in result.results[2].sentence and "in 20 days" in result.results[2].sentence
    assert [r.key for r in result.expiring] == ["3"]
    # A shorter window makes the same credential simply met.
    assert evaluate(ALL, facts, now=NOW, expiring_within_days=10).verdict == "ready"


def test_the_longest_lasting_credential_is_chosen():
    facts = full_passport() + [
        training("CSTF-FIRE", 1, until=NOW + timedelta(days=5), uri="urn:uuid:old-fire")
    ]
    result = evaluate([FIRE_1], facts, now=NOW)
    assert result.results[0].outcome == "met"
    assert result.results[0].credential_id != "urn:uuid:old-fire"


def test_lower_training_level_is_below_level():
    facts = [f for f in full_passport() if f.attributes.get("cstfSubject") != "CSTF-RESUS"]
    facts.append(training("CSTF-RESUS", 1))
    result = evaluate(ALL, facts, now=NOW)
    assert outcomes(result)["4"] == "below_level"
    assert "level 1 held, level 2 needed" in result.results[3].sentence
    assert result.verdict == "not_ready"


def test_a_higher_training_level_meets_a_lower_requirement():
    assert evaluate([FIRE_1], [training("CSTF-FIRE", 2)], now=NOW).verdict == "ready"


@pytest.mark.parametrize(
    ("level", "outcome"),
    [
        ("basic", "below_level"),
        ("standard", "below_level"),
        ("enhanced", "met"),
        ("enhanced_with_barred_lists", "met"),
    ],
)
def test_dbs_levels_are_ordered(level, outcome):
    assert evaluate([DBS_ENHANCED], [dbs(level)], now=NOW).results[0].outcome == outcome


def test_dbs_for_another_workforce_is_no_evidence():
    need = Need(
        "1", "credential", "DBS (adult)", credential_type="dbs-check", conditions={"workforce": "adult"}
    )
    child_only = fact("dbs-check", {"level": "enhanced", "workforce": "child"})
    both = fact("dbs-check", {"level": "enhanced", "workforce": "adult_and_child"})
    assert evaluate([need], [child_only], now=NOW).results[0].outcome == "missing"
    assert evaluate([need], [both], now=NOW).results[0].outcome == "met"


def test_registration_on_another_part_of_the_register_does_not_meet_nursing():
    result = evaluate([NMC_NURSING], [nmc("RM")], now=NOW)
    assert result.results[0].outcome == "missing"
    assert "part RM" in result.results[0].sentence


def test_competency_through_an_exact_match_crosswalk_counts_and_says_so():
    result = evaluate([MEDS], [competency("item-local", "competent", 3)], now=NOW)
    assert result.results[0].outcome == "met"
    assert result.results[0].via == "an exact-match crosswalk from RPG-7"
    assert "through an exact-match crosswalk" in result.results[0].sentence


def test_competency_matched_by_uri():
    facts = [fact("competency", {"itemUri": "https://x.test/item-shared", "proficiency": "expert"}, rank=5)]
    assert evaluate([MEDS], facts, now=NOW).verdict == "ready"


def test_competency_for_an_unrelated_item_is_missing():
    assert evaluate([MEDS], [competency("item-other", "expert", 5)], now=NOW).results[0].outcome == "missing"


def test_competency_below_the_proficiency_is_below_level():
    result = evaluate([MEDS], [competency("item-shared", "advanced_beginner", 2)], now=NOW)
    assert result.results[0].outcome == "below_level"
    assert (
        "advanced beginner" in result.results[0].sentence and "competent needed" in result.results[0].sentence
    )


def test_competency_with_unknown_proficiency_is_below_level():
    assert (
        evaluate([MEDS], [competency("item-shared", "brilliant", None)], now=NOW).results[0].outcome
        == "below_level"
    )  # type: ignore[arg-type]


def test_desirable_requirements_do_not_block_readiness():
    desirable = Need(
        "9",
        "training",
        "Preventing Radicalisation",
        essential=False,
        credential_type="mandatory-training",
        cstf_subject="CSTF-PREVENT",
        min_level=1,
    )
    result = evaluate([*ALL, desirable], full_passport(), now=NOW)
    assert result.verdict == "ready"
    assert outcomes(result)["9"] == "missing"
    assert result.missing == []


def test_a_met_requirement_prefers_a_verified_credential_over_a_revoked_one():
    facts = [
        dbs(verified=False, problem="it has been revoked", uri="urn:uuid:revoked"),
        dbs(uri="urn:uuid:good"),
    ]
    result = evaluate([DBS_ENHANCED], facts, now=NOW)
    assert result.results[0].outcome == "met" and result.results[0].credential_id == "urn:uuid:good"


def test_fact_index_can_be_reused_across_versions():
    index = FactIndex(full_passport())
    assert evaluate(ALL, index, now=NOW).verdict == "ready"
    assert evaluate([RESUS_2], index, now=NOW).verdict == "ready"


def test_result_serialises_to_json_shape():
    data = evaluate(ALL, full_passport(), now=NOW).to_dict()
    assert data["verdict"] == "ready"
    assert {
        "requirement",
        "label",
        "essential",
        "outcome",
        "sentence",
        "credential_id",
        "valid_until",
        "via",
    } <= set(data["requirements"][0])
