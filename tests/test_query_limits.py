"""Every query is checked before the engine sees it: a deep or huge query is refused with one line (it
used to kill the process), SERVICE is refused unless allowed, and syntax errors say where."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kg import query
from kg.errors import RegkgError
from kg.sparql_check import MAX_DEPTH, check_query


def regkg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: a crash shows as a signal, not as a dead test run."""
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=120,
                          input=stdin)


@pytest.mark.parametrize(("text", "refusal"), [
    ("SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
     "error: query refused at line 1, column 116: brackets nest more than 100 deep"),
    ("SELECT * WHERE { " + " UNION ".join(["{?s ?p ?o}"] * 20000) + "}",
     "error: query refused at line 1, column 34012: more than 2,000 operators and patterns"),
    ("SELECT * WHERE { " + " . ".join(f"?s{i} ?p ?o" for i in range(20000)) + "}",
     "error: query refused at line 1, column 28906: more than 2,000 operators and patterns"),
])
def test_a_query_that_would_overflow_the_engine_is_refused_in_one_line(sample_store_path, text, refusal):
    done = regkg("query", "-", "--store", str(sample_store_path), stdin=text)
    assert (done.returncode, done.stdout, done.stderr.strip()) == (1, "", refusal)


def test_brackets_and_keywords_inside_strings_iris_and_comments_count_for_nothing():
    check_query('SELECT * WHERE { ?s ?p "' + "{" * 500 + ' SERVICE" # ' + "(" * 500 + "\n"
                "FILTER(?s != <http://example.org/service>) }")


def test_service_is_refused_unless_allowed(sample_store_path):
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    refused = regkg("query", text, "--store", str(sample_store_path))
    assert (refused.returncode, refused.stderr.strip()) == (1, (
        "error: query refused at line 1, column 18: SERVICE (a federated query) would make regkg send requests "
        "to another server; it is refused unless allowed with --allow-service"))
    allowed = regkg("query", text, "--store", str(sample_store_path), "--allow-service")
    assert (allowed.returncode, allowed.stderr.strip()) == (1, (
        "error: the query failed: The port 9 is not allowed for HTTP(S) because it is dedicated to an other use"))


def test_a_syntax_error_names_its_line_and_column_and_quotes_the_text(sample_store):
    with pytest.raises(RegkgError) as raised:
        query.run_text(sample_store, "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?x = ) }")
    assert str(raised.value) == (
        "SPARQL syntax error at line 3, column 18 (near 'FILTER(?x = ) }'): expected one of ABS, AVG, DAY, IRI, "
        "MAX, MD5, MIN, NOT, NOW, PREDICATE, STR, STRBEFORE, STRSTARTS, SUM, URI, [_], isLITERAL, isNUMERIC")


def test_an_answer_longer_than_the_cap_is_an_error_not_a_cut_table(sample_store):
    whole = query.run(sample_store, "SELECT ?s WHERE { ?s a dur:DataSharingAgreement }")
    assert len(query.run(sample_store, "SELECT ?s WHERE { ?s a dur:DataSharingAgreement }",
                         max_rows=len(whole.rows)).rows) == len(whole.rows)
    with pytest.raises(RegkgError, match=rf"^the answer has more than {len(whole.rows) - 1:,} rows; add a LIMIT"):
        query.run(sample_store, "SELECT ?s WHERE { ?s a dur:DataSharingAgreement }", max_rows=len(whole.rows) - 1)


def test_the_nesting_limit_leaves_room_for_every_named_query():
    for named in query.named_queries().values():
        check_query(named.text)
    check_query("SELECT * WHERE " + "{" * MAX_DEPTH + " ?s ?p ?o " + "}" * MAX_DEPTH)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p true.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    'SELECT * WHERE { ?s ?p "x"@en.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }',
])
def test_service_glued_to_the_token_before_it_is_still_service(text):
    with pytest.raises(RegkgError, match=r"SERVICE \(a federated query\) would make regkg send requests"):
        check_query(text)
