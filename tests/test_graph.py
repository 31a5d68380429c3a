"""The N-Quads the graph module writes: register text of any shape survives exactly; bad IRIs never pass."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.graph import node, text, typed


@pytest.mark.parametrize("value", [
    'He said "yes"', "C:\\path\\file", "line one\nline two\r\nthree", "tab\there", "ST GEORGE’S — 😀",
    "", "trailing backslash \\", '"} ; DROP', "<script>alert(1)</script>",
])
def test_any_text_round_trips_through_n_quads(value):
    line = f"<http://a.example/s> <http://a.example/p> {text(value)} <http://a.example/g> .\n"
    [quad] = ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    assert quad.object.value == value


def test_a_lone_surrogate_cannot_break_the_file():
    literal = text("bad \ud800 char")
    line = f"<http://a.example/s> <http://a.example/p> {literal} <http://a.example/g> .\n"
    [quad] = ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    assert quad.object.value == "bad ? char"


def test_typed_literals():
    [quad] = ox.parse(f"<http://a.example/s> <http://a.example/p> {typed('2021-06-10', 'date')} .\n".encode(),
                      format=ox.RdfFormat.N_TRIPLES)
    assert (quad.object.value, quad.object.datatype.value) == ("2021-06-10", "http://www.w3.org/2001/XMLSchema#date")


@pytest.mark.parametrize("iri", ["http://a.example/with space", "http://a.example/x>y", 'http://a.example/"'])
def test_an_iri_that_would_break_the_line_is_refused(iri):
    with pytest.raises(ValueError, match="not an IRI"):
        node(iri)
