"""Rendered pages are self-contained (no remote script or stylesheet) and escape register text."""

from __future__ import annotations

import re

from flows_fixtures import tiny_flow
from typer.testing import CliRunner

from kg.cli import app
from kg.render import render, to_html

REMOTE = re.compile(r"<script[^>]+src=[\"']?https?://|<link[^>]+href=[\"']?https?://", re.I)


def test_no_remote_sources_and_legend(tmp_path):
    page = render(tiny_flow(), tmp_path / "f.html", heading="Tiny").read_text(encoding="utf-8")
    assert not REMOTE.search(page)
    assert "vis.Network" in page and "regkg-legend" in page and "filter-menu" in page


def test_register_text_is_escaped():
    evil = "<script>alert(1)</script>"
    page = to_html(tiny_flow(title=evil, evidence=evil), heading=evil)
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_cli_render_sample(sample_store_path, tmp_path):
    out = tmp_path / "flows.html"
    result = CliRunner().invoke(app, ["render", "--dataset", "SUS+", "-o", str(out), "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert not REMOTE.search(page) and "NHS Midlands and Lancashire Commissioning Support Unit" in page


def test_cli_export_graphml(sample_store_path, tmp_path):
    out = tmp_path / "flows.graphml"
    result = CliRunner().invoke(app, ["export", "-f", "graphml", "-o", str(out), "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<?xml")
