"""Rendered pages are self-contained (no remote script or stylesheet) and escape register text."""

from __future__ import annotations

import re
from itertools import pairwise

from flows_fixtures import tiny_flow
from typer.testing import CliRunner

from kg.cli import app
from kg.render import FONT, WRAP, layout, render, to_html, wrap_label

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


def test_single_escaped_heading():
    page = to_html(tiny_flow(), heading="Flows <of> SUS+")
    assert page.count("<h1") == 1
    assert '<h1 id="regkg-heading">Flows &lt;of&gt; SUS+</h1>' in page
    assert "<title>Flows &lt;of&gt; SUS+</title>" in page


def test_inline_style_only():
    """Legend and filter menu are styled by an inline <style>; nothing is fetched (no href/src to a server)."""
    page = to_html(tiny_flow(), heading="Tiny")
    style = re.search(r"<style>([^<]*#regkg-legend[^<]*)</style>", page)
    assert style and ".card-header" in style[1] and ".btn" in style[1] and ".ts-control" in style[1]
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"(?:href|src)=[\"']?(?:https?:)?//", page, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", page, re.I)
    assert "network.fit(" in page


def test_labels_wrapped_and_spaced():
    """Long names wrap at ~WRAP characters; nodes of a column sit far enough apart for their labels."""
    name = "NHS Midlands and Lancashire Commissioning Support Unit"
    assert all(len(line) <= WRAP for line in wrap_label(name).split("\n"))
    assert wrap_label(name).replace("\n", " ") == name
    g = tiny_flow()
    for i in range(12):
        g.add_node(f"c{i}", type="organisation", label=f"{name} {i}", role="controller")
        g.add_edge("s", f"c{i}", key=f"x{i}", kind="release")
    pos = layout(g)
    lines = wrap_label(name + " 1").count("\n") + 1
    points = sorted(pos.values())
    for (x1, y1), (x2, y2) in pairwise(points):
        if x1 == x2:  # same column: a full label block between two nodes
            assert y2 - y1 >= lines * FONT + 20
    xs = sorted({x for x, _ in points})
    assert min(b - a for a, b in pairwise(xs)) >= WRAP * FONT * 0.55


def test_cli_render_sample(sample_store_path, tmp_path):
    out = tmp_path / "flows.html"
    result = CliRunner().invoke(app, ["render", "--dataset", "SUS+", "-o", str(out), "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert not REMOTE.search(page) and "NHS Midlands and Lancashire Commissioning Support Unit" in page
    assert page.count("<h1") == 1


def test_cli_export_graphml(sample_store_path, tmp_path):
    out = tmp_path / "flows.graphml"
    result = CliRunner().invoke(app, ["export", "-f", "graphml", "-o", str(out), "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<?xml")
