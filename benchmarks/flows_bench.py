"""Flow pages at full scale (issue 13): the busiest dataset's default page and the everything page.

    python benchmarks/flows_bench.py STORE [DATASET]      # or: python benchmarks/run.py --steps one flows

For each page: seconds to fetch the flow graph (``kg.flows.flow_graph``), to cut it into the view
(``kg.flows.views.view_graph``) and to write the HTML (``kg.render.to_html``), the nodes drawn at
first (targets: <= 60 nodes, <= 2 MB, <= 3 s in all for the busiest dataset), the nodes the page can
open, and its size.  Figures are printed as JSON; ``benchmarks/run.py`` records them in results.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

TARGETS = {"nodes": 60, "mb": 2.0, "seconds": 3.0}


def page_figures(store, dataset: str | None) -> dict:
    """One page, timed step by step (the view is cut twice: once timed alone, once inside to_html)."""
    from kg import flows, render
    from kg.flows.views import view_graph, visible

    t0 = time.perf_counter()
    flow = flows.flow_graph(store, dataset=dataset)
    t1 = time.perf_counter()
    view = view_graph(flow)
    t2 = time.perf_counter()
    page = render.to_html(flow, heading=flows.analysis.title(flow))
    t3 = time.perf_counter()
    return {"dataset": dataset or "(everything)", "flow_s": round(t1 - t0, 3), "view_s": round(t2 - t1, 3),
            "html_s": round(t3 - t2, 3), "seconds": round((t1 - t0) + (t3 - t2), 3),
            "drawn_nodes": visible(view).number_of_nodes(), "nodes": view.number_of_nodes(),
            "edges": view.number_of_edges(), "mb": round(len(page.encode("utf-8")) / 1e6, 3)}


def measure(store_path: str, dataset: str | None = None) -> dict:
    """The busiest dataset's page (``dataset``, or the store's busiest) and the everything page."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.run import child_busiest
    from kg.store import open_store

    store = open_store(Path(store_path))
    busiest = page_figures(store, dataset or child_busiest(store_path)["dataset"])
    held = (busiest["drawn_nodes"] <= TARGETS["nodes"] and busiest["mb"] <= TARGETS["mb"]
            and busiest["seconds"] <= TARGETS["seconds"])
    return {"busiest": busiest, "everything": page_figures(store, None), "targets": TARGETS, "held": held}


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python benchmarks/flows_bench.py STORE [DATASET]")
    print(json.dumps(measure(sys.argv[1], *sys.argv[2:3]), indent=2))
