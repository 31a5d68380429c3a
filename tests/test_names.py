"""The folds of kg.names: what each keeps, as tables of spellings that are (and are not) one name."""

from __future__ import annotations

import pytest

from kg.names import (
    fold_dataset_name,
    fold_org_name,
    fold_text,
    fold_value,
    fold_words,
    ods_code,
    squash_spaces,
    strip_code,
    tidy_name,
)
from kg.sources.controllers import ControllerSplitter
from kg.vocab import Vocabulary

FOLDS = [squash_spaces, tidy_name, fold_text, fold_value, fold_words, fold_org_name, fold_dataset_name]
COMPARING_FOLDS = FOLDS[2:]  # the ones that decide identity; the first two only tidy for showing


@pytest.mark.parametrize("fold", COMPARING_FOLDS, ids=lambda f: f.__name__)
def test_every_comparing_fold_takes_a_curly_apostrophe_for_a_straight_one(fold):
    assert fold("Patient\u2019s") == fold("Patient's") == fold("PATIENT\u2018S")


@pytest.mark.parametrize("fold", COMPARING_FOLDS, ids=lambda f: f.__name__)
def test_every_comparing_fold_ignores_case_nbsp_line_breaks_and_runs_of_spaces(fold):
    assert fold("NHS\u00a0Foo  Bar\n Trust") == fold("nhs foo bar trust")


@pytest.mark.parametrize(("fold", "text", "kept"), [
    (squash_spaces, " A\u00a0\nB  \u2019C\u2019 ", "A B \u2019C\u2019"),
    (tidy_name, "\u2022\tST GEORGE\u2019S \u2013 Trust.", "ST GEORGE'S - Trust"),
    (tidy_name, "~ NHS ENGLAND", "NHS ENGLAND"),
    (fold_text, "ST GEORGE\u2019S \u2013 Trust.", "st george's - trust."),
    (fold_text, "Smith-Jones", "smith-jones"),
    (fold_value, "Anonymised\u2013Pseudonymised", "anonymised - pseudonymised"),
    (fold_value, "Patient\u2019s  data", "patient's data"),
    (fold_words, "Risk Stratification & Invoice-Validation.", "risk stratification and invoice validation"),
    (fold_words, "1. Risk Stratification", "risk stratification"),
    (fold_org_name, "The ST GEORGE\u2019S Ltd", "st george s"),
    (fold_org_name, "ModernaTX, Inc.", "modernatx"),
    (fold_org_name, "NHS X Integrated Care Board - 04V", "nhs x icb"),
    (fold_org_name, "CO DURHAM", "co durham"),  # CO is a word here, not a company suffix
    (fold_dataset_name, "Maternity Services Data Set v2.0", "maternity services dataset v2"),
    (fold_dataset_name, "SUS+ v1.5", "sus plus v1.5"),
], ids=lambda x: getattr(x, "__name__", None))
def test_each_fold_keeps_what_its_name_says(fold, text, kept):
    assert fold(text) == kept


@pytest.mark.parametrize(("fold", "a", "b"), [
    (fold_text, "Smith-Jones", "Smith Jones"),  # punctuation counts in a cell's identity
    (fold_value, "Anonymised - Pseudonymised", "Anonymised Pseudonymised"),  # a value's dash counts
    (fold_words, "Research", "Researches"),  # no stemming
    (fold_org_name, "ST GEORGE'S HOSPITAL", "ST GEORGE'S HOSPTIAL"),  # a typo is not folded
    (fold_org_name, "Optum (UK) Ltd", "Optum Ltd"),  # a bracket is part of the name
    (fold_dataset_name, "MHMDS", "MHSDS"),
])
def test_each_fold_keeps_apart_what_it_keeps(fold, a, b):
    assert fold(a) != fold(b)


def test_legal_forms_fold_only_in_organisation_names():
    assert fold_org_name("IQVIA TECHNOLOGY SERVICES LTD.") == fold_org_name("Iqvia Technology Services Limited")
    assert fold_words("Iqvia Ltd") != fold_words("Iqvia Limited")


def test_an_ods_code_is_read_and_stripped_only_when_it_has_a_digit():
    assert ods_code("NHS X ICB \u2013 04v.") == "04V"
    assert strip_code("NHS X ICB - 04V") == "NHS X ICB"
    assert ods_code("Acme - LTD") is None and strip_code("Acme - LTD") == "Acme - LTD"


def test_controlled_values_match_across_quote_styles():
    """vocab's old fold promised to ignore quotes but kept them: "Patient’s" missed "Patient's"."""
    vocab = Vocabulary.load()
    iri = vocab.lookup("opt_out", "Yes - patient objections upheld")
    assert iri is not None
    assert vocab.lookup("opt_out", "YES \u2013 PATIENT OBJECTIONS UPHELD") == iri
    assert vocab.lookup("opt_out", "Yes patient objections upheld") is None  # the dash is structure


def test_controller_cells_compare_names_by_fold_text():
    splitter = ControllerSplitter(["ST GEORGE'S, UNIVERSITY OF LONDON"])
    assert splitter.is_known("St George\u2019s,  University of London")
    assert splitter.split("ST GEORGE\u2019S, UNIVERSITY OF LONDON, NHS ENGLAND") == [
        "ST GEORGE\u2019S, UNIVERSITY OF LONDON", "NHS ENGLAND"]
