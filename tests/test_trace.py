"""Trace on the sample: SUS+ reaches the Midlands and Lancashire CSU under the Leicester agreement."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
from typer.testing import CliRunner

from kg.cli import app
from kg.trace import COLUMNS, trace, trace_rows

MLCSU = "NHS Midlands and Lancashire Commissioning Support Unit"


def test_cli_trace_sus_shows_mlcsu_under_leicester_agreement(sample_store_path):
    result = CliRunner().invoke(app, ["trace", "--dataset", "SUS+", "--format", "csv",
                                      "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    hits = [r for r in rows if r["agreement"] == "DARS-NIC-199599-S0T5M" and r["processor"] == MLCSU]
    assert hits and all(r["dataset"] == "SUS for Commissioners" for r in hits)
    assert hits[0]["controller"] == "NHS Leicester, Leicestershire and Rutland ICB - 04V"
    assert hits[0]["source"] == "NHS England → Data Services for Commissioners Regional Office"
    assert hits[0]["processor_link"] == "stated"


def test_trace_rows_carry_basis_purpose_dates_and_links(sample_store):
    result = trace(sample_store, dataset="SUS for Commissioners")
    assert result.columns == COLUMNS
    row = dict(zip(COLUMNS, next(r for r in result.rows if r[0] == "DARS-NIC-199599-S0T5M"
                                 and r[6] == MLCSU), strict=True))
    assert "s251" in row["legal_basis"]
    assert "Risk Stratification" in row["purpose"]
    assert row["start"] == "2018-12-20" and row["end"] == "2024-04-22"
    assert row["controller_link"] == "stated"
    assert {r[8] for r in result.rows} <= {"stated", "inferred", ""}


def test_trace_by_ods_code_and_json(sample_store_path, sample_store):
    by_code = trace(sample_store, org="04V")
    assert by_code.rows and {r[0] for r in by_code.rows} == {"DARS-NIC-199599-S0T5M"}
    result = CliRunner().invoke(app, ["trace", "--org", "MLCSU", "--format", "json", "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert {r["processor"] for r in records} == {MLCSU}
    assert {r["agreement"] for r in records} == {"DARS-NIC-127332-G0J1N", "DARS-NIC-199599-S0T5M"}


def test_trace_needs_a_filter():
    assert CliRunner().invoke(app, ["trace"]).exit_code == 1


LEICESTER = "NHS Leicester, Leicestershire and Rutland ICB - 04V"


def test_trace_by_a_name_only_the_resolver_knows_lists_the_organisations_flows(sample_store):
    """"Leicester ICB - 04V" is no label of the ICB: the resolver finds it by its ODS code, and the
    rows are those of that organisation, as for "04V"."""
    result = trace(sample_store, org="Leicester ICB - 04V")
    mhsds, sus = "Mental Health Services Data Set (MHSDS)", "SUS for Commissioners"
    assert [(r[0], r[2], r[4], r[6], r[7]) for r in result.rows] == [
        ("DARS-NIC-199599-S0T5M", mhsds, LEICESTER, "Lima Networks Ltd", "infrastructure"),
        ("DARS-NIC-199599-S0T5M", mhsds, LEICESTER, "Microsoft Limited", "infrastructure"),
        ("DARS-NIC-199599-S0T5M", mhsds, LEICESTER, MLCSU, "processor"),
        ("DARS-NIC-199599-S0T5M", sus, LEICESTER, "Lima Networks Ltd", "infrastructure"),
        ("DARS-NIC-199599-S0T5M", sus, LEICESTER, "Microsoft Limited", "infrastructure"),
        ("DARS-NIC-199599-S0T5M", sus, LEICESTER, MLCSU, "processor"),
        ("DARS-NIC-199599-S0T5M", sus, LEICESTER, "Prescribing Services Limited", "processor")]
    assert result.rows == trace(sample_store, org="04V").rows


def test_trace_of_an_organisation_with_no_flows_is_an_error_not_an_empty_table(sample_store_path):
    result = CliRunner().invoke(app, ["trace", "--org", "04V", "--dataset", "PCMD", "--store", str(sample_store_path)])
    assert result.exit_code == 1
    assert result.output.strip() == "error: organisation '04V' has no flows matching dataset=PCMD; org=04V"


def test_trace_keeps_the_rows_of_the_organisation_not_of_another_with_its_name():
    """Two organisations named alike are two IRIs: the rows of the one asked about, not of both."""
    flow = nx.MultiDiGraph()
    flow.add_node("d", type="dataset", label="Dataset D")
    flow.add_node("s", type="source", label="NHS England")
    for org in ("org:a", "org:b"):
        flow.add_node(org, type="organisation", label="Same Name Ltd")
    for ref, controller in (("DARS-NIC-000001-AAAAA", "org:a"), ("DARS-NIC-000002-BBBBB", "org:b")):
        flow.add_edge("s", controller, kind="release", agreement=ref, title="", dataset="d", dataset_label="Dataset D",
                      link="stated", legal_basis="", purpose="", start="", end="", versions="1")
    assert [r[0] for r in trace_rows(flow, frozenset({"org:a"}))] == ["DARS-NIC-000001-AAAAA"]
