"""The controller-list splitter (docs/register.md, trap 2): each rule, and what it must not do."""

from __future__ import annotations

import pytest

from kg.sources.controllers import ControllerSplitter


def split(cell: str, *known: str, sole: bool = False) -> list[str]:
    return ControllerSplitter(known).split(cell, sole=sole)


def test_semicolons_newlines_and_commas_all_separate() -> None:
    cell = "UNIVERSITY OF LEEDS; NHS ENGLAND\nUNIVERSITY OF YORK, LEEDS CITY COUNCIL"
    assert split(cell) == ["UNIVERSITY OF LEEDS", "NHS ENGLAND", "UNIVERSITY OF YORK", "LEEDS CITY COUNCIL"]


def test_dictionary_keeps_comma_names_whole() -> None:
    name = "NHS SHROPSHIRE, TELFORD AND WREKIN ICB - M2L0M"
    assert split(f"{name}, NHS ENGLAND", name) == [name, "NHS ENGLAND"]


def test_dictionary_matches_across_case_quotes_and_spaces_but_keeps_the_cell_spelling() -> None:
    cell = "st george’s,  university of london, NHS ENGLAND"
    assert split(cell, "ST GEORGE'S, UNIVERSITY OF LONDON") == ["st george’s, university of london", "NHS ENGLAND"]


def test_a_known_name_is_not_glued_to_its_neighbour() -> None:
    assert split("NHS ENGLAND, NHS BLOOD AND TRANSPLANT", "NHS ENGLAND") == [
        "NHS ENGLAND", "NHS BLOOD AND TRANSPLANT"]


def test_org_start_stops_rule_4_even_without_dictionary() -> None:
    assert split("IQVIA, NHS SOUTH AND WEST CSU") == ["IQVIA", "NHS SOUTH AND WEST CSU"]
    assert split("IQVIA, THE BIG AND SMALL") == ["IQVIA", "THE BIG AND SMALL"]


def test_national_bodies_are_known_without_the_workbook() -> None:
    name = "Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust"
    assert split(f"NHS ENGLAND, {name}") == ["NHS ENGLAND", name]


@pytest.mark.parametrize("name", [
    "NHS Bristol, North Somerset and South Gloucestershire ICB - 15C",
    "Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust",
    "Ministry of Housing, Communities and Local Government",
])
def test_enumerations_inside_names_without_dictionary(name: str) -> None:
    assert split(f"{name}, BRISTOL CITY COUNCIL, NHS ENGLAND") == [name, "BRISTOL CITY COUNCIL", "NHS ENGLAND"]
    assert split(f"NHS ENGLAND, {name}") == ["NHS ENGLAND", name]


def test_two_councils_with_and_split() -> None:
    assert split("EAST SUSSEX COUNTY COUNCIL, BRIGHTON AND HOVE CITY COUNCIL") == [
        "EAST SUSSEX COUNTY COUNCIL", "BRIGHTON AND HOVE CITY COUNCIL"]


def test_brackets_never_split() -> None:
    assert split("BCP COUNCIL [BOURNEMOUTH, CHRISTCHURCH AND POOLE], DORSET COUNCIL") == [
        "BCP COUNCIL [BOURNEMOUTH, CHRISTCHURCH AND POOLE]", "DORSET COUNCIL"]
    assert split("IMPERIAL COLLEGE (LONDON; SOUTH KENSINGTON), UCL") == [
        "IMPERIAL COLLEGE (LONDON; SOUTH KENSINGTON)", "UCL"]


def test_unclosed_bracket_does_not_swallow_the_cell() -> None:
    assert split("UNIVERSITY OF LEEDS (ULEEDS; NHS ENGLAND") == ["UNIVERSITY OF LEEDS (ULEEDS", "NHS ENGLAND"]


@pytest.mark.parametrize("name", ["MCKINSEY & COMPANY, INC.", "MODERNATX, INC", "IQVIA, LTD",
                                  "ACME HOLDINGS, LLC", "BIGCO, PLC"])
def test_corporate_suffixes_stay_attached(name: str) -> None:
    assert split(f"{name}, NHS ENGLAND") == [name, "NHS ENGLAND"]


def test_co_durham_is_not_a_suffix() -> None:
    assert split("DARLINGTON BOROUGH COUNCIL, CO DURHAM") == ["DARLINGTON BOROUGH COUNCIL", "CO DURHAM"]


def test_line_broken_names_join_at_connecting_words() -> None:
    cell = "NHS BLOOD AND\nTRANSPLANT\nUNIVERSITY OF\nLEEDS\nLEEDS CITY COUNCIL"
    assert split(cell) == ["NHS BLOOD AND TRANSPLANT", "UNIVERSITY OF LEEDS", "LEEDS CITY COUNCIL"]


def test_line_broken_name_found_in_dictionary() -> None:
    assert split("QUEEN MARY UNIVERSITY\nOF LONDON\nNHS ENGLAND", "QUEEN MARY UNIVERSITY OF LONDON") == [
        "QUEEN MARY UNIVERSITY OF LONDON", "NHS ENGLAND"]


def test_sole_controller_splits_only_on_semicolons() -> None:
    assert split("NHS LEICESTER, LEICESTERSHIRE\nAND RUTLAND ICB - 04V", sole=True) == [
        "NHS LEICESTER, LEICESTERSHIRE AND RUTLAND ICB - 04V"]


def test_nbsp_and_runs_of_space_collapse_but_characters_stay() -> None:
    assert split("ST GEORGE’S\u00a0UNIVERSITY  OF\tLONDON; “QUOTED” LTD") == [
        "ST GEORGE’S UNIVERSITY OF LONDON", "“QUOTED” LTD"]


def test_repeats_and_empty_pieces_dropped() -> None:
    assert split("A COUNCIL;; a council ,\n\nB COUNCIL;") == ["A COUNCIL", "B COUNCIL"]


def test_nhs_places_without_their_body_type_continue_into_the_next_piece() -> None:
    name = "NHS BATH AND NORTH EAST SOMERSET, SWINDON AND WILTSHIRE INTEGRATED CARE BOARD"
    assert split(f"NHS DORSET ICB - 49N; {name}, NHS SOMERSET ICB - 24C") == [
        "NHS DORSET ICB - 49N", name, "NHS SOMERSET ICB - 24C"]


def test_a_line_starting_with_the_starts_a_new_name() -> None:
    assert split("ASTON UNIVERSITY\nTHE INSTITUTE OF CANCER RESEARCH") == [
        "ASTON UNIVERSITY", "THE INSTITUTE OF CANCER RESEARCH"]
    assert split("INSTITUTE OF THE\nHISTORY OF MEDICINE") == ["INSTITUTE OF THE HISTORY OF MEDICINE"]


def test_a_piece_naming_an_nhs_body_is_not_a_continuation() -> None:
    assert split("ANGLIA RUSKIN UNIVERSITY, BRIGHTON AND YORK NHS FT") == [
        "ANGLIA RUSKIN UNIVERSITY", "BRIGHTON AND YORK NHS FT"]


def test_a_charity_ending_in_uk_is_not_a_fragment() -> None:
    assert split("Cancer Research UK, NORTHAMPTON AND SUNDERLAND HOSPITALS NHS TRUST, DIABETES UK") == [
        "Cancer Research UK", "NORTHAMPTON AND SUNDERLAND HOSPITALS NHS TRUST", "DIABETES UK"]
