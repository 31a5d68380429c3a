"""`regkg serve` over real HTTP: a server on 127.0.0.1 (ephemeral port) from the factory the CLI uses."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app as cli
from kg.namespace import DCT, iri_agreement
from kg.query import _local_prefixes
from kg.resources import samples_dir
from kg.web import make_server

FIRST_THREE = "SELECT ?id WHERE { ?a a dur:DataSharingAgreement ; dct:identifier ?id } ORDER BY ?id LIMIT 3"
IDS = ["DARS-NIC-114652-L3R2T", "DARS-NIC-116738-W8J8Q", "DARS-NIC-116829-C2B8N"]
EVIL = "<script>alert(1)</script>"
PAGE = "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"
PREFIX_IRIS_OF_THE_CLI = _local_prefixes()


@contextmanager
def running(store: Path, **options: float) -> Iterator[str]:
    server = make_server(store, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url.rstrip("/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def base(sample_store_path: Path) -> Iterator[str]:
    with running(sample_store_path) as url:
        yield url


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
          method: str | None = None) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a real request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


def cli_output(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


# --------------------------------------------------------------------------- SPARQL 1.1 Protocol


def expected_json() -> dict:
    return {"head": {"vars": ["id"]},
            "results": {"bindings": [{"id": {"type": "literal", "value": v}} for v in IDS]}}


def test_sparql_get_gives_json_bindings_by_default(base):
    status, headers, body = fetch(f"{base}/sparql?{urlencode({'query': FIRST_THREE})}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert json.loads(body) == expected_json()


@pytest.mark.parametrize("how", ["form", "body"])
def test_sparql_post_form_and_body(base, how):
    if how == "form":
        data, content_type = urlencode({"query": FIRST_THREE}).encode(), "application/x-www-form-urlencoded"
    else:
        data, content_type = FIRST_THREE.encode(), "application/sparql-query"
    status, _, body = fetch(f"{base}/sparql", data, {"Content-Type": content_type})
    assert status == 200
    assert json.loads(body) == expected_json()


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv", "id\r\n" + "".join(f"{v}\r\n" for v in IDS)),
    ("text/tab-separated-values", "?id\n" + "".join(f'"{v}"\n' for v in IDS)),
])
def test_sparql_csv_and_tsv_by_accept(base, accept, expected):
    status, headers, body = fetch(f"{base}/sparql?{urlencode({'query': FIRST_THREE})}", headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].startswith(accept)
    assert body == expected


def test_sparql_xml_ask_and_construct(base):
    _, headers, xml = fetch(f"{base}/sparql?{urlencode({'query': FIRST_THREE})}",
                            headers={"Accept": "application/sparql-results+xml"})
    assert headers["Content-Type"].startswith("application/sparql-results+xml")
    assert all(f"<literal>{v}</literal>" in xml for v in IDS)
    _, _, ask = fetch(f"{base}/sparql?{urlencode({'query': 'ASK { ?a a dur:DataSharingAgreement }'})}")
    assert json.loads(ask) == {"head": {}, "boolean": True}
    construct = ("CONSTRUCT { ?a dct:identifier ?id } WHERE { ?a a dur:DataSharingAgreement ; dct:identifier ?id "
                 f"FILTER(?id = '{IDS[0]}') }}")
    _, headers, nt = fetch(f"{base}/sparql?{urlencode({'query': construct})}",
                           headers={"Accept": "application/n-triples"})
    assert headers["Content-Type"].startswith("application/n-triples")
    assert nt == f'<{iri_agreement(IDS[0])}> <{DCT.identifier}> "{IDS[0]}" .\n'
    _, headers, _ = fetch(f"{base}/sparql?{urlencode({'query': construct})}")
    assert headers["Content-Type"].startswith("text/turtle")


def test_sparql_syntax_error_is_400_with_message(base):
    status, headers, body = fetch(f"{base}/sparql?{urlencode({'query': 'SELEC ?x WHERE { ?x ?y ?z }'})}")
    assert status == 400
    assert headers["Content-Type"].startswith("text/plain")
    assert body == "SPARQL syntax error at line 1, column 10 (near 'SELEC ?x WHERE { ?x ?y ?z }'): expected CONSTRUCT\n"


def test_sparql_unacceptable_format_is_406(base):
    status, _, _ = fetch(f"{base}/sparql?{urlencode({'query': FIRST_THREE})}", headers={"Accept": "image/png"})
    assert status == 406


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(("data", "content_type", "method", "status"), [
    (urlencode({"query": "DROP ALL"}).encode(), "application/x-www-form-urlencoded", "POST", 403),
    (urlencode({"update": "CLEAR DEFAULT"}).encode(), "application/x-www-form-urlencoded", "POST", 403),
    (b"PREFIX x: <http://x/>\nINSERT DATA { x:a x:b x:c }", "application/sparql-update", "POST", 403),
    (b"DELETE WHERE { ?s ?p ?o }", "application/sparql-query", "POST", 403),
    (b"", "text/turtle", "PUT", 405),
    (None, None, "DELETE", 405),
])
def test_updates_are_refused_and_change_nothing(base, data, content_type, method, status):
    before = fetch(f"{base}/sparql?{urlencode({'query': COUNT})}")[2]
    answer = fetch(f"{base}/sparql", data, {"Content-Type": content_type} if content_type else {}, method)
    assert answer[0] == status
    assert "read-only" in answer[2]
    assert fetch(f"{base}/sparql?{urlencode({'query': COUNT})}")[2] == before


# --------------------------------------------------------------------------- named queries, trace, flows


def test_ask_csv_equals_the_cli(base, sample_store_path):
    status, headers, body = fetch(f"{base}/ask/agreements?format=csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert body == cli_output("ask", "agreements", "--format", "csv", "--store", str(sample_store_path))
    assert body.splitlines()[0] == "agreement,title,organisation,start,end"
    assert len(body.splitlines()) == 1 + 9  # header + the nine agreements (the page's is one of them)


def test_ask_with_a_bound_parameter_equals_the_cli_by_accept(base, sample_store_path):
    status, headers, body = fetch(f"{base}/ask/processors-of-dataset?dataset={quote('SUS+')}",
                                  headers={"Accept": "application/json"})
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    expected = cli_output("ask", "processors-of-dataset", "--param", "dataset=SUS+", "--format", "json",
                          "--store", str(sample_store_path))
    assert json.loads(body) == json.loads(expected)
    assert json.loads(body)  # SUS+ has processors in the sample


def test_injection_shaped_parameter_does_not_break_ask(base):
    evil = '"} ; DROP'
    status, _, page = fetch(f"{base}/ask/processors-of-dataset?{urlencode({'dataset': evil})}")
    assert status == 400  # a name the store does not hold is refused, escaped, not answered with 0 rows
    assert 'value="&#34;} ; DROP"' in page
    assert "parameter dataset: no dataset &#39;&#34;} ; DROP&#39; in the store" in page
    status, _, body = fetch(f"{base}/ask/processors-of-dataset?{urlencode({'dataset': evil, 'format': 'json'})}")
    assert status == 400 and "no dataset" in body
    assert len(fetch(f"{base}/ask/agreements?format=json")[2]) > 100  # the store is untouched


def test_ask_errors(base):
    assert fetch(f"{base}/ask/no-such-query")[0] == 404
    status, _, body = fetch(f"{base}/ask/in-force-on?date=yesterday&format=csv")
    assert (status, body) == (400, "parameter date: expected a date like 2021-06-30, got 'yesterday'\n")
    status, _, page = fetch(f"{base}/ask/in-force-on?date=yesterday")
    assert status == 400 and "expected a date like 2021-06-30" in page and "<form" in page


def test_index_lists_stats_and_every_named_query(base):
    status, headers, page = fetch(f"{base}/")
    assert status == 200
    assert headers["Content-Security-Policy"] == "default-src 'self' 'unsafe-inline'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    names = [line.split(",")[0] for line in cli_output("ask", "--list", "--format", "csv").splitlines()[1:]]
    assert len(names) > 5
    for name in names:
        assert f'href="/ask/{name}"' in page
    assert "datausesregister_sample.xlsx" in page and "<textarea" in page
    assert "http://" not in page.split("</style>")[0] and "<script" not in page and "<link" not in page


def test_query_form_runs_a_query_as_a_paged_table(base):
    _, _, page = fetch(f"{base}/query?{urlencode({'query': FIRST_THREE})}")
    assert all(f'<a href="/agreements/{v}">{v}</a>' in page for v in IDS) and "Rows 1–3 of 3; page 1 of 1." in page
    everything = urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    _, _, page = fetch(f"{base}/query?{everything}")
    total = int(re.search(r"Rows 1–100 of ([\d,]+);", page)[1].replace(",", ""))
    assert total > 1000 and page.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == 100
    _, _, page = fetch(f"{base}/query?{everything}&_page=12")  # past the first 1,000 rows
    assert f"Rows 1,101–1,200 of {total:,}; page 12 of {-(-total // 100)}." in page
    status, _, page = fetch(f"{base}/?{urlencode({'query': 'SELECT nonsense'})}")  # the form's old address
    assert status == 400 and "SPARQL syntax error" in page


def test_a_table_too_long_to_hold_is_an_error_not_a_server_full_of_rows(base):
    cross = urlencode({"query": "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f }"})  # ~13 M rows on the sample
    status, _, page = fetch(f"{base}/query?{cross}")
    assert status == 400
    assert "the answer has more than 200,000 rows; add a LIMIT (or run it with `regkg query`, which has no cap)" \
        in html.unescape(page)


@pytest.mark.parametrize("prefix", sorted(PREFIX_IRIS_OF_THE_CLI))
def test_every_prefix_the_cli_knows_works_on_sparql_and_the_form(base, sample_store_path, prefix):
    sparql = f"SELECT ?x WHERE {{ BIND({prefix}:x AS ?x) }}"
    expected = cli_output("query", sparql, "--format", "csv", "--store", str(sample_store_path))
    status, _, body = fetch(f"{base}/sparql?{urlencode({'query': sparql})}", headers={"Accept": "text/csv"})
    assert status == 200 and body.replace("\r\n", "\n") == expected
    status, _, page = fetch(f"{base}/query?{urlencode({'query': sparql, 'format': 'csv'})}")
    assert status == 200 and page == expected


def test_dcterms_on_sparql_answers_as_in_the_cli(base, sample_store_path):
    sparql = "SELECT ?id WHERE { ?a a dur:DataSharingAgreement ; dcterms:identifier ?id } ORDER BY ?id LIMIT 3"
    status, _, body = fetch(f"{base}/sparql?{urlencode({'query': sparql})}")
    assert status == 200 and json.loads(body) == expected_json()


# --------------------------------------------------------------------------- tables: sort, facets, pages, files


def rows_of(page: str) -> list[list[str]]:
    """The cells of the result table of a page, as text."""
    body = page.split('<section id="results">')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_named_query_table_sorts_by_a_column_both_ways(base):
    _, _, page = fetch(f"{base}/ask/processors?_sort=processor")
    names = [r[1] for r in rows_of(page)]
    assert names == sorted(names, key=str.casefold) and names[0] == "Blackpool Victoria Hospital"
    assert 'href="/ask/processors?_sort=processor&amp;_sort_desc=1"' in page  # the header's link turns it round
    _, _, page = fetch(f"{base}/ask/processors?_sort=processor&_sort_desc=1")
    assert [r[1] for r in rows_of(page)] == sorted(names, key=str.casefold, reverse=True)


def test_named_query_table_counts_facets_and_filters_on_one(base):
    _, _, page = fetch(f"{base}/ask/processors")
    facet = page.split("<b>role</b>")[1].split("</ul>")[0]
    assert re.findall(r'<a href="([^"]*)">(\w[\w-]*)</a> (\d+)', facet) == [
        ("/ask/processors?role__exact=processor", "processor", "12"),
        ("/ask/processors?role__exact=infrastructure", "infrastructure", "8")]
    _, _, page = fetch(f"{base}/ask/processors?role__exact=infrastructure")
    rows = rows_of(page)
    assert len(rows) == 8 and {r[4] for r in rows} == {"infrastructure"}
    assert sorted({r[1] for r in rows}) == ["Blackpool Victoria Hospital", "Lima Networks Ltd", "Microsoft Limited"]
    assert "Rows 1–8 of 8 (filtered from 20)" in page and 'title="clear this filter"' in page


def test_named_query_table_pages(base):
    _, _, first = fetch(f"{base}/ask/processors?_sort=processor&_size=8")
    _, _, third = fetch(f"{base}/ask/processors?_sort=processor&_size=8&_page=3")
    _, _, whole = fetch(f"{base}/ask/processors?_sort=processor")
    assert "Rows 1–8 of 20; page 1 of 3." in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "Rows 17–20 of 20; page 3 of 3." in third and 'rel="next"' not in third
    assert rows_of(first) + rows_of(third) == rows_of(whole)[:8] + rows_of(whole)[16:]


def test_named_query_csv_download_holds_the_whole_sorted_filtered_result(base, sample_store_path):
    _, _, page = fetch(f"{base}/ask/processors?_sort=processor&_size=5&role__exact=processor")
    link = re.search(r'href="(/ask/processors\?[^"]*format=csv)"', page)[1].replace("&amp;", "&")
    status, headers, body = fetch(base + link)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    expected = list(csv.reader(io.StringIO(cli_output("ask", "processors", "--format", "csv",
                                                      "--store", str(sample_store_path)))))
    wanted = sorted((r for r in expected[1:] if r[4] == "processor"), key=lambda r: r[1].casefold())
    got = list(csv.reader(io.StringIO(body)))
    assert got[0] == expected[0] and len(got) == 1 + 12  # every row, not the page's five
    assert [r[1] for r in got[1:]] == [r[1] for r in wanted]


def test_trace_page_and_csv(base, sample_store_path):
    status, _, page = fetch(f"{base}/trace?{urlencode({'dataset': 'SUS+'})}")
    assert status == 200 and "<h1>Flows of SUS+</h1>" in page and "Midlands and Lancashire" in page
    _, _, body = fetch(f"{base}/trace?{urlencode({'dataset': 'SUS+', 'format': 'csv'})}")
    assert body == cli_output("trace", "--dataset", "SUS+", "--format", "csv", "--store", str(sample_store_path))


def test_flows_page_is_offline_with_a_form_and_a_way_back(base):
    status, headers, page = fetch(f"{base}/flows?{urlencode({'dataset': 'SUS+'})}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    # the dataset's name, not what was typed
    assert '<h1 id="regkg-heading">Flows of SUS for Commissioners</h1>' in page
    assert '"linkBase": "/agreements/"' in page  # agreements in the details panel link to their pages when served
    assert 'src="http' not in page and 'href="http' not in page
    assert '<a href="/">regkg</a>' in page  # a way back, and the form that drew it, filled in
    assert '<form method="get" action="/flows"' in page and 'name="dataset" value="SUS+"' in page


def test_dns_rebinding_host_is_refused(base):
    status, _, body = fetch(f"{base}/", headers={"Host": "attacker.example:8808"})
    assert status == 403 and "Host" in body


def test_slow_query_times_out(sample_store_path):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b a ?t }"  # ~3M rows: about half a second here
    with running(sample_store_path, timeout=0.01) as url:
        status, _, body = fetch(f"{url}/sparql?{urlencode({'query': slow})}")
    assert status == 503 and "longer than 0.01 s" in body


# --------------------------------------------------------------------------- register text is escaped


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store from the Leicester page whose agreement title holds a script tag."""
    folder = tmp_path_factory.mktemp("evil")
    text = (samples_dir() / PAGE).read_text(encoding="utf-8")
    title = "DSfC - NHS West Leicestershire CCG IV RS — DARS-NIC-199599-S0T5M"
    assert title in text
    page = folder / PAGE
    page.write_text(text.replace(title, f"DSfC {EVIL} IV RS — DARS-NIC-199599-S0T5M"), encoding="utf-8")
    build([page], folder / "store")
    return folder / "store"


def test_register_text_is_escaped_in_every_page(evil_store):
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    with running(evil_store) as url:
        pages = {path: fetch(url + path)[2] for path in [
            "/ask/agreements", f"/?{urlencode({'query': 'SELECT ?t WHERE { ?v dct:title ?t }'})}",
            "/trace?org=04V", "/"]}
        flows = fetch(f"{url}/flows")[2]
        csv_ = fetch(f"{url}/ask/agreements?format=csv")[2]
    for path, page in pages.items():
        assert "<script" not in page, path
    for path in list(pages)[:3]:
        assert escaped in pages[path], path
    assert EVIL not in flows
    assert EVIL in csv_  # data files carry the text as it is; only HTML escapes it


# --------------------------------------------------------------------------- a real browser


def test_browser_submits_the_sparql_form(base, browser):
    page = browser.page
    page.goto(f"{base}/")
    page.fill("textarea[name=query]", FIRST_THREE)
    page.click("button:has-text('Run query')")
    page.wait_for_selector("#results table")
    header = page.eval_on_selector_all("#results th", "cells => cells.map(c => c.textContent)")
    cells = page.eval_on_selector_all("#results td", "cells => cells.map(c => c.textContent)")
    page.goto(f"{base}/flows?dataset=SUS%2B")  # the flow page's inline scripts run under our CSP
    page.wait_for_function("typeof network !== 'undefined' && network.body !== undefined", timeout=15000)
    nodes = page.evaluate("network.body.data.nodes.length")
    assert not browser.errors
    assert header == ["id"]
    assert cells == IDS
    assert nodes > 5
