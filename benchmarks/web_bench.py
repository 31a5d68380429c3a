"""How fast the browsing pages answer on a full store (issue 12's targets: ≤ 200 ms a page, ≤ 100 ms a search).

    python benchmarks/web_bench.py STORE [STORE …]     # e.g. benchmarks/out/store-one benchmarks/out/store-history

For each store: the read model's write time and size (written to a temporary file when the store has
none, e.g. one built before the read model existed), then, each timed ``--repeat`` times and reported
as median and worst, in process: the agreement page of agreements spread over the register, the page of
the busiest organisation and dataset (most agreements), a legal basis page, searches, and one table
view (sort, facets, a page) of the largest named query result.  A page is its read-model look-up plus
its Jinja2 rendering: everything the server does for it but HTTP.  Prints one JSON line per store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg import query, readmodel
from kg.web import html, tables

SEARCHES = ("199599", "NHS England", "hospital episode statistics", "CSU", "DARS-NIC-1", "cancer registry", "04V")
TEMPLATES = {"agreement": "agreement.html", "organisation": "organisation.html", "dataset": "dataset.html",
             "legal-basis": "term.html", "purpose": "term.html"}


def timed(call: Callable[[], object], repeat: int) -> dict[str, float]:
    """Median and worst wall time of ``call`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def page(read: readmodel.ReadModel, kind: str, key: str) -> str:
    data = read.page(kind, key)
    return html.render(TEMPLATES[kind], title=data["label"], page=data, edition=data["edition"],
                       editions=read.editions, linker=html.Linker(read.link_targets))


def read_model_of(store_path: Path, scratch: Path) -> tuple[Path, dict[str, float]]:
    """The store's read model, or one written now from the store (timed)."""
    path = store_path / readmodel.FILENAME
    if path.exists():
        return path, {}
    path = scratch / readmodel.FILENAME
    start = time.perf_counter()
    readmodel.write(ox.Store.read_only(str(store_path)), path)
    return path, {"write_s": round(time.perf_counter() - start, 1), "size_mb": round(path.stat().st_size / 2**20, 1)}


def measure(store_path: Path, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        path, written = read_model_of(store_path, Path(scratch))
        read = readmodel.ReadModel(path)
        db = read.db
        agreements = [r[0] for r in db.execute("SELECT key FROM entity WHERE kind = 'agreement' ORDER BY key")]
        spread = agreements[:: max(1, len(agreements) // 20)]
        org = db.execute("SELECT e.key FROM party p JOIN entity e ON e.iri = p.org JOIN listed l ON "
                         "l.version = p.version AND l.edition = '' GROUP BY e.key ORDER BY count(*) DESC").fetchone()[0]
        dataset = db.execute("SELECT e.key FROM use u JOIN entity e ON e.iri = u.dataset JOIN listed l ON "
                             "l.version = u.version AND l.edition = '' GROUP BY e.key ORDER BY count(*) DESC"
                             ).fetchone()[0]
        basis = db.execute("SELECT e.key FROM term t JOIN entity e ON e.iri = t.iri WHERE t.kind = 'legal-basis' "
                           "GROUP BY e.key ORDER BY count(*) DESC").fetchone()[0]
        read.link_targets  # noqa: B018 (built once per read model, as the server does)
        result: dict[str, object] = {"store": str(store_path), **written, "agreements": len(agreements),
                                     "editions": len(read.editions)}
        agreement_times = [timed(lambda a=a: page(read, "agreement", a), repeat) for a in spread]
        result["agreement_page"] = {"median_ms": statistics.median(t["median_ms"] for t in agreement_times),
                                    "max_ms": max(t["max_ms"] for t in agreement_times), "pages": len(spread)}
        result["organisation_page"] = {"key": org, **timed(lambda: page(read, "organisation", org), repeat)}
        result["dataset_page"] = {"key": dataset, **timed(lambda: page(read, "dataset", dataset), repeat)}
        result["legal_basis_page"] = {"key": basis, **timed(lambda: page(read, "legal-basis", basis), repeat)}
        if read.editions:
            older = read.editions[len(read.editions) // 2]
            result["organisation_page_older_edition"] = {
                "edition": older, **timed(lambda: read.page("organisation", org, older), repeat)}
        searches = {q: timed(lambda q=q: read.search(q), repeat) for q in SEARCHES}
        result["search"] = {"median_ms": statistics.median(t["median_ms"] for t in searches.values()),
                            "max_ms": max(t["max_ms"] for t in searches.values())}
        result["table"] = table_view(store_path, repeat)
        read.close()
        return result


def table_view(store_path: Path, repeat: int) -> dict[str, object]:
    """Sort, facets and one page of the ``processors`` named query (the largest result): the query once,
    then what every later click on that table costs (the server keeps the result)."""
    store = ox.Store.read_only(str(store_path))
    start = time.perf_counter()
    result = query.run(store, query.get_named_query("processors").text)
    query_s = round(time.perf_counter() - start, 2)
    params = {"_sort": "processor", "_page": "3", "role__exact": "processor"}
    return {"rows": len(result.rows), "query_s": query_s,
            **timed(lambda: tables.view(result, params, "/ask/processors"), repeat)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stores", nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    for store in args.stores:
        print(json.dumps(measure(store.resolve(), args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
