import pytest

from passport.reference.workforce import (
    ABSENCE_CATEGORIES,
    AFC_BANDS,
    LEAVING_REASONS,
    SICKNESS_REASON_BY_CODE,
    SICKNESS_REASONS,
    STAFF_GROUPS,
    PersonType,
    UnknownReferenceValue,
    loose_key,
    parse_absence_category,
    parse_afc_band,
    parse_leaving_reason,
    parse_person_type,
    parse_sickness_reason,
    parse_staff_group,
)


def test_codes_are_unique_within_each_list():
    for items in (STAFF_GROUPS, LEAVING_REASONS, SICKNESS_REASONS, ABSENCE_CATEGORIES):
        codes = [item.code for item in items]
        assert len(codes) == len(set(codes))
        labels = [loose_key(item.label) for item in items]
        assert len(labels) == len(set(labels))


def test_sickness_reasons_run_s10_to_s32_then_s98_s99():
    assert [r.code for r in SICKNESS_REASONS] == [f"S{n}" for n in range(10, 33)] + ["S98", "S99"]
    assert SICKNESS_REASON_BY_CODE["S13"].label == "Cold, Cough, Flu - Influenza"
    assert SICKNESS_REASON_BY_CODE["S99"].label == "Unknown causes / Not specified"


def test_afc_bands_are_one_to_nine_with_band_eight_split():
    assert AFC_BANDS == ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Add Prof Scientific and Technic", "APST"),
        ("Additional Professional Scientific and Technical", "APST"),
        ("  additional   clinical services ", "ACS"),
        ("ADMINISTRATIVE AND CLERICAL", "AC"),
        ("Allied Health Professionals", "AHP"),
        ("Estates_and_Ancillary", "EA"),
        ("Healthcare Scientists", "HS"),
        ("Medical & Dental", "MD"),
        ("Nursing and Midwifery Registered", "NMR"),
        ("nursing & midwifery registered", "NMR"),
        ("Students", "STU"),
        ("nmr", "NMR"),
    ],
)
def test_staff_group_lookup_forgives_case_spacing_and_ampersands(text, code):
    assert parse_staff_group(text).code == code


def test_unknown_staff_group_names_the_value():
    with pytest.raises(UnknownReferenceValue, match="Nurses is not a known staff group"):
        parse_staff_group("Nurses")


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("5", "5"),
        ("Band 5", "5"),
        ("band 8A", "8a"),
        ("8b", "8b"),
        ("AfC Band 9", "9"),
        ("Band 8 d", "8d"),
        (" BAND 1 ", "1"),
    ],
)
def test_band_lookup(text, band):
    assert parse_afc_band(text) == band


@pytest.mark.parametrize("text", ["8", "10", "Band 8e", "Consultant", "0", ""])
def test_unknown_band_is_refused(text):
    with pytest.raises(UnknownReferenceValue, match="is not an Agenda for Change band"):
        parse_afc_band(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Voluntary Resignation - Relocation", "VR_RELOCATION"),
        ("voluntary resignation - work life balance", "VR_WORK_LIFE_BALANCE"),
        ("Voluntary Resignation – Work-Life Balance", "VR_WORK_LIFE_BALANCE"),
        ("Voluntary Resignation - Better Reward Package", "VR_BETTER_REWARD"),
        ("Voluntary Resignation - Pay and Reward Related", "VR_BETTER_REWARD"),
        ("Voluntary Resignation - To undertake further education or training", "VR_EDUCATION_TRAINING"),
        ("Voluntary Resignation - Other/Not Known", "VR_OTHER"),
        ("Retirement Age", "RETIREMENT_AGE"),
        ("Retirement - Ill Health", "RETIREMENT_ILL_HEALTH"),
        ("Flexi Retirement", "FLEXI_RETIREMENT"),
        ("End of Fixed Term Contract", "FTC_END"),
        ("End of Fixed Term Contract - External Rotation", "FTC_EXTERNAL_ROTATION"),
        ("Employee Transfer", "EMPLOYEE_TRANSFER"),
        ("Dismissal - Some Other Substantial Reason", "DISMISSAL_SOSR"),
        ("Redundancy - Compulsory", "REDUNDANCY_COMPULSORY"),
        ("Death in Service", "DEATH_IN_SERVICE"),
        ("Mutually Agreed Resignation - Local Scheme with Repayment", "MARS_LOCAL_WITH_REPAYMENT"),
    ],
)
def test_leaving_reason_lookup(text, code):
    assert parse_leaving_reason(text).code == code


def test_only_voluntary_resignations_are_flagged_voluntary():
    flagged = {r.code for r in LEAVING_REASONS if r.is_voluntary_resignation}
    assert flagged == {r.code for r in LEAVING_REASONS if r.label.startswith("Voluntary Resignation - ")}
    assert len(flagged) == 11
    assert parse_leaving_reason("Dismissal - Conduct").group == "dismissal"


def test_unknown_leaving_reason_names_the_value():
    with pytest.raises(UnknownReferenceValue, match="Fired is not a known leaving reason"):
        parse_leaving_reason("Fired")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("S10", "S10"),
        ("s10", "S10"),
        ("S10 Anxiety/stress/depression/other psychiatric illnesses", "S10"),
        ("S10 Anxiety/stress/...", "S10"),
        ("S10 - anxiety / stress / depression / other psychiatric illnesses", "S10"),
        ("S13 Cold Cough Flu - Influenza", "S13"),  # NHS England's published spelling drops the commas
        ("S21 Ear nose throat (ENT)", "S21"),
        ("S28 Injury, fracture", "S28"),
        ("S98 Other known causes - not elsewhere classified", "S98"),
        ("S99 Unknown causes / Not specified", "S99"),
        ("Back Problems", "S11"),
    ],
)
def test_sickness_reason_accepts_code_with_or_without_matching_label(text, code):
    assert parse_sickness_reason(text).code == code


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("S33", "S33 is not a known sickness absence reason code"),
        ("S100", "S100 is not a known sickness absence reason code"),
        ("S10 Back Problems", "S10 Back Problems does not match S10 Anxiety"),
        ("S11 Ba", "S11 Ba does not match S11 Back Problems"),  # too short to count as a cut-off label
        ("Flu", "Flu is not a known sickness absence reason"),
    ],
)
def test_sickness_reason_refuses_unknown_codes_and_mismatched_labels(text, message):
    with pytest.raises(UnknownReferenceValue, match=message):
        parse_sickness_reason(text)


def test_absence_categories_only_sickness_counts():
    assert [c.code for c in ABSENCE_CATEGORIES if c.counts_as_sickness] == ["SICKNESS"]
    assert parse_absence_category("sickness absence").counts_as_sickness
    assert parse_absence_category("ANNUAL LEAVE").code == "ANNUAL_LEAVE"
    assert parse_absence_category("Industrial Action").counts_as_sickness is False
    assert parse_absence_category("maternity leave").code == "MATERNITY"
    with pytest.raises(UnknownReferenceValue, match="Gardening is not a known absence category"):
        parse_absence_category("Gardening")


def test_person_types():
    assert parse_person_type(" Bank ") is PersonType.BANK
    assert parse_person_type("SECONDEE") is PersonType.SECONDEE
    assert parse_person_type("employee") is PersonType.EMPLOYEE
    with pytest.raises(UnknownReferenceValue, match="agency is not a person type"):
        parse_person_type("agency")
