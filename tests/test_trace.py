"""Trace on the sample: SUS+ reaches the Midlands and Lancashire CSU under the Leicester agreement."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from kg.cli import app
from kg.trace import COLUMNS, trace

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
