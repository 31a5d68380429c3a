"""Rendered pages are self-contained (no remote script or stylesheet) and escape register text."""

from __future__ import annotations

import re

from flows_fixtures import tiny_flow
from typer.testing import CliRunner

from kg.cli import app
from kg.render import WRAP, render, to_html, wrap_label

REMOTE = re.compile(r"<script[^>]+src=[\"']?https?://|<link[^>]+href=[\"']?https?://", re.I)


def test_no_remote_sources_and_legend(tmp_path):
    page = render(tiny_flow(), tmp_path / "f.html", heading="Tiny").read_text(encoding="utf-8")
    assert not REMOTE.search(page)
    assert "vis.Network" in page and "regkg-legend" in page and "regkg-property" in page
    assert "filter-menu" not in page and "tom-select" not in page.lower()  # pyvis's menu of vis internals is gone


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
    """Legend and highlight menu are styled by an inline <style>; nothing is fetched (no href/src to a server)."""
    page = to_html(tiny_flow(), heading="Tiny")
    style = re.search(r"<style>([^<]*#regkg-legend[^<]*)</style>", page)
    assert style and "#regkg-panel" in style[1] and "#regkg-tools" in style[1]
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"(?:href|src)=[\"']?(?:https?:)?//", page, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", page, re.I)
    assert "network.moveTo(" in page and "function layout()" in page


def test_labels_wrapped_at_wrap_characters():
    """Long names wrap at ~WRAP characters (the full name is in the panel)."""
    name = "NHS Midlands and Lancashire Commissioning Support Unit"
    assert all(len(line) <= WRAP for line in wrap_label(name).split("\n"))
    assert wrap_label(name).replace("\n", " ") == name


def test_agreements_link_only_when_served():
    """Opened as a file the page has no server to link to; served, agreements link to ``link_base``."""
    assert '"linkBase": ""' in to_html(tiny_flow())
    assert '"linkBase": "/agreements/"' in to_html(tiny_flow(), link_base="/agreements/")


def test_register_text_cannot_close_the_data_script():
    page = to_html(tiny_flow(evidence="</script><img src=x onerror=alert(1)>"))
    assert "</script><img" not in page and "\\u003c/script>\\u003cimg" in page


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


def test_cli_render_view_as_graphml_keeps_the_groups(sample_store_path, tmp_path):
    import networkx as nx

    out = tmp_path / "mlcsu.graphml"
    result = CliRunner().invoke(app, ["render", "--org", "MLCSU", "--view", "processor", "--format", "graphml",
                                      "-o", str(out), "--max-nodes", "6", "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(out)
    assert g.number_of_nodes() <= 7  # the organisation asked about is never grouped
    assert any(a["kind"] == "group" for _, a in g.nodes(data=True))
    assert all(a["agreements"].startswith("DARS-NIC-") for *_, a in g.edges(data=True))


def test_cli_render_unknown_view_is_one_line(sample_store_path, tmp_path):
    result = CliRunner().invoke(app, ["render", "--view", "processor", "-o", str(tmp_path / "x.html"),
                                      "--store", str(sample_store_path)])
    assert result.exit_code == 1
    assert result.output.strip() == "error: the processor view needs an organisation (--org)"
