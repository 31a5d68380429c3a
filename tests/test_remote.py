"""Push to and query a real Oxigraph server (`oxigraph serve`, from the dev extra) on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg import query, remote
from kg.cli import app
from kg.errors import RegkgError
from kg.store import named_graphs

PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")  # the venv's, installed by the dev extra
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh `oxigraph serve` on a free local port; yields its base URL."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is missing (pip install -e '.[dev]' installs it)")
    folder = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen([binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"oxigraph serve exited with {process.returncode}: "
                            f"{(folder / 'server.log').read_text(errors='replace')}")
            try:
                with urlopen(f"{url}/query?{urlencode({'query': 'ASK {}'})}", timeout=2):
                    break
            except (URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail("oxigraph serve did not answer within 30 s")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def pushed(server: str, sample_store: ox.Store) -> remote.PushReport:
    return remote.push(sample_store, server)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.output


def remote_triples(server: str, graph: str) -> set[ox.Triple]:
    request = Request(f"{server}/store?{urlencode({'graph': graph})}", headers={"Accept": "application/n-triples"})
    with urlopen(request, timeout=30) as response:
        return {ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(response.read(), ox.RdfFormat.N_TRIPLES)}


def local_triples(store: ox.Store, graph: str) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def test_push_uploads_every_named_graph_exactly(server, sample_store, pushed):
    local = named_graphs(sample_store)
    assert len(local) >= 3  # workbook, page and ontology
    assert remote.remote_named_graphs(server) == local
    assert [g.iri for g in pushed.graphs] == local
    assert pushed.graph_store == f"{server}/store"
    assert pushed.triples == len(sample_store)
    for graph in local:
        assert remote_triples(server, graph) == local_triples(sample_store, graph), graph


def test_triple_counts_per_graph_match(server, sample_store, pushed):
    here = query.run(sample_store, PER_GRAPH)
    there = remote.remote_query(server, PER_GRAPH)
    assert there.rows == here.rows
    assert {g: int(n) for g, n in there.rows} == {g.iri: g.triples for g in pushed.graphs}


def test_named_query_over_the_endpoint_gives_the_local_rows(server, sample_store_path, pushed):
    code, local, _ = cli("ask", "agreements", "--format", "csv", "--store", str(sample_store_path))
    assert code == 0
    code, there, output = cli("ask", "agreements", "--endpoint", server, "--format", "csv")
    assert code == 0, output
    assert there == local
    assert len(there.splitlines()) == 1 + 9  # header and the sample's nine agreements


def test_parameterised_named_query_over_the_endpoint(server, sample_store_path, pushed):
    args = ("ask", "processors-of-dataset", "--param", "dataset=SUS+", "--format", "csv")
    code, local, _ = cli(*args, "--store", str(sample_store_path))
    assert code == 0
    code, there, output = cli(*args, "--endpoint", server)
    assert code == 0, output
    assert there == local
    assert len(there.splitlines()) > 1
    _, everything, _ = cli("ask", "processors", "--endpoint", server, "--format", "csv")
    assert len(everything.splitlines()) > len(there.splitlines()) - 1 > 0  # the parameter restricts


def test_ad_hoc_query_over_the_endpoint_binds_parameters(server, sample_store_path, pushed):
    text = "SELECT ?title WHERE { ?a dct:identifier ?id ; dur:latestVersion/dct:title ?title }"
    _, agreements, _ = cli("ask", "agreements", "--endpoint", server, "--format", "csv")
    first = agreements.splitlines()[1].split(",")[0]
    for value in (first, '"} ; DROP ALL ; SELECT * { ?s ?p ?o'):
        args = ("query", text, "--param", f"id={value}", "--format", "csv")
        _, local, _ = cli(*args, "--store", str(sample_store_path))
        code, there, output = cli(*args, "--endpoint", server)
        assert code == 0, output
        assert there == local
    assert len(there.splitlines()) == 1  # the hostile value matched nothing and changed nothing
    assert remote.remote_query(server, "ASK { ?s a dur:DataSharingAgreement }").boolean is True


def test_pushing_twice_replaces_rather_than_duplicates(server, sample_store, sample_store_path, pushed):
    before = remote.remote_query(server, PER_GRAPH).rows
    code, _, output = cli("push", "--endpoint", server, "--store", str(sample_store_path))
    assert code == 0, output
    assert f"{pushed.triples} triples" in output
    assert remote.remote_query(server, PER_GRAPH).rows == before
    total = remote.remote_query(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert total.rows == [[str(len(sample_store))]]


def test_push_to_a_closed_port_is_one_line_naming_the_url(sample_store_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, _, output = cli("push", "--endpoint", url, "--store", str(sample_store_path))
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 1
    assert len(lines) == 1, output
    assert lines[0].startswith("error: cannot reach") and f"{url}/store" in lines[0], lines[0]
    code, _, output = cli("ask", "agreements", "--endpoint", url)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and f"{url}/query" in lines[0], output


def test_http_failures_are_one_line_with_url_and_status(server, pushed):
    code, _, output = cli("query", "SELECT ?s WHERE { ?s ?p }", "--endpoint", server)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, output
    assert f"{server}/query" in lines[0] and "HTTP 400" in lines[0], lines[0]
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"), ox.NamedNode("urn:x:g")))
    with pytest.raises(RegkgError, match=rf"^PUT {server}/no-such-path \(graph urn:x:g\): HTTP 404"):
        remote.push(store, server, graph_store=f"{server}/no-such-path")


def test_endpoint_urls():
    base = "http://127.0.0.1:7878"
    assert remote.query_url(base) == remote.query_url(base + "/") == f"{base}/query"
    assert remote.query_url(f"{base}/ds/sparql") == f"{base}/ds/sparql"
    assert remote.graph_store_url(base) == remote.graph_store_url(f"{base}/query") == f"{base}/store"
    assert remote.graph_store_url(f"{base}/ds/sparql", f"{base}/ds/data") == f"{base}/ds/data"
    with pytest.raises(RegkgError, match="--graph-store"):
        remote.graph_store_url(f"{base}/ds/sparql")
    with pytest.raises(RegkgError, match="not an http"):
        remote.query_url("127.0.0.1:7878")


def test_a_query_naming_its_own_dataset_keeps_it():
    assert remote.declares_dataset("SELECT * FROM <urn:x:g> WHERE { ?s ?p ?o }")
    assert remote.declares_dataset("select * from named dur:g { graph ?g { ?s ?p ?o } }")
    assert not remote.declares_dataset("# rows from: the sample\nSELECT * WHERE { ?s ?p 'from <x>' }")
