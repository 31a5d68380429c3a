"""Benchmark regkg at full scale against the obvious pipeline (benchmarks/baseline.py).

    python benchmarks/run.py [--scale 1.0] [--editions 12] [--skip-baseline] [--out benchmarks/out]

Generates the synthetic workbooks with ``benchmarks/make_edition.py`` (or reuses them when
``--out`` already holds the same seed, scale and number of editions), then measures, each step
in a fresh Python process so that peak memories do not mix (peak = the child's ``VmHWM`` from
``/proc/self/status``, interpreter and imports included; wall time excludes imports):

a. ``kg.build.build`` of the first edition into a fresh store;
b. the baseline: openpyxl read-only + regkg's row→record logic + enrichment, triples added one by one
   to rdflib's in-memory Dataset (see ``benchmarks/baseline.py``);
c. every named query (``queries/*.rq``, parameters from each file's ``# example:`` line), median of
   ``--repeat`` runs, on the regkg store; the same queries with rdflib's engine on the baseline
   graph, each under a ``--timeout`` (reported as ``>Ns`` when exceeded);
d. ``regkg render`` of the busiest dataset (most agreements), time only;
e. ``kg.build.build`` of all ``--editions`` editions into one store.

Prints one table (regkg, baseline, ratio, target) and writes ``benchmarks/RESULTS.md`` with the
figures, the date and the machine.  Timings on a shared machine vary: the load average at the
start of each step is recorded too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {"build_s": 8.0, "build_mb": 500.0, "ratio": 3.0, "query_ms": 50.0, "render_s": 3.0, "editions_s": 90.0}
ANALYSIS = "## Profile and analysis"
PACKAGES = ("pyoxigraph", "oxrdflib", "rdflib", "python-calamine", "openpyxl", "networkx", "pyvis")


# --- children: each runs in its own process and prints one JSON line ----------------------------

def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _example_values(q) -> dict[str, str]:
    """``--param k=v`` pairs of a query's ``# example:`` line."""
    words = shlex.split(q.example) if q.example else []
    values = {}
    for i, w in enumerate(words[:-1]):
        if w == "--param" and "=" in words[i + 1]:
            k, v = words[i + 1].split("=", 1)
            values[k] = v
    return values


def child_build(paths: list[str], store: str) -> dict:
    from kg.build import build

    shutil.rmtree(store, ignore_errors=True)
    t0, c0 = time.perf_counter(), _cpu()
    result = build([Path(p) for p in paths], Path(store))
    return {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "peak_mb": _peak_mb(),
            "quads": result.quads, "agreements": sum(s.agreements for s in result.sources)}


def child_queries(store: str, repeat: int) -> dict:
    from kg import query
    from kg.resolve import Resolver
    from kg.store import open_store

    opened, resolver = open_store(Path(store)), Resolver.load()
    out = {}
    for name, q in query.named_queries().items():
        values = _example_values(q)
        times, rows = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = len(query.ask(opened, name, values, resolver).rows)
            times.append(time.perf_counter() - t0)
        out[name] = {"ms": statistics.median(times) * 1000, "rows": rows, "params": values}
    return out


def child_busiest(store: str) -> dict:
    from kg.store import open_store

    sparql = """PREFIX dur: <https://w3id.org/regkg/dur#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?label (COUNT(DISTINCT ?a) AS ?n) WHERE {
          ?v dur:dataset ?d ; dct:isVersionOf ?a . ?d skos:prefLabel ?label }
        GROUP BY ?label ORDER BY DESC(?n) ?label LIMIT 1"""
    row = next(iter(open_store(Path(store)).query(sparql, use_default_graph_as_union=True)))
    return {"dataset": row["label"].value, "agreements": int(row["n"].value)}


def child_render(store: str, dataset: str, html: str) -> dict:
    from kg import flows
    from kg import render as rendering
    from kg.store import open_store

    t0, c0 = time.perf_counter(), _cpu()
    flow = flows.flow_graph(open_store(Path(store)), dataset=dataset)
    heading = "Data flows" + (f" ({flow.graph['filters']})" if flow.graph.get("filters") else "")
    rendering.render(flow, Path(html), heading=heading)
    return {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "peak_mb": _peak_mb(),
            "nodes": flow.number_of_nodes(), "edges": flow.number_of_edges()}


class _Timeout(Exception):
    pass


def child_baseline(path: str, repeat: int, timeout: float) -> dict:
    import signal

    from benchmarks.baseline import build_graph
    from kg import query
    from kg.resolve import Resolver

    t0, c0 = time.perf_counter(), _cpu()
    ds, n = build_graph(Path(path))
    out = {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "peak_mb": _peak_mb(), "quads": n,
           "queries": {}}

    def alarm(signum, frame):
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    resolver = Resolver.load()
    for name, q in query.named_queries().items():
        bindings = query.bind(q, _example_values(q), resolver)
        times, rows = [], None
        for _ in range(repeat):
            signal.setitimer(signal.ITIMER_REAL, timeout)
            t1 = time.perf_counter()
            try:
                rows = len(query.run(ds, q.text, bindings).rows)
            except _Timeout:
                times = None
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(time.perf_counter() - t1)
            if sum(times) > timeout:  # slow query: fewer runs, still a median of what ran
                break
        out["queries"][name] = {"ms": statistics.median(times) * 1000 if times else None, "rows": rows}
    out["peak_mb"] = _peak_mb()  # after the queries too
    return out


CHILDREN = {"build": child_build, "queries": child_queries, "busiest": child_busiest,
            "render": child_render, "baseline": child_baseline}


def spawn(step: str, *args) -> dict:
    """Run ``step`` in a fresh interpreter; its result is the last line it prints."""
    load = os.getloadavg()[0]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, json.dumps(args)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if step != "queries":
        result.setdefault("load", load)
    return result


# --- the run ------------------------------------------------------------------------------------

def editions(out: Path, scale: float, count: int, seed: int) -> list[Path]:
    """The generated workbooks, made once per (seed, scale, count) and reused afterwards."""
    from benchmarks.make_edition import generate

    folder = out / f"scale-{scale:g}-seed-{seed}-editions-{count}"
    stamp = folder / "params.json"
    params = {"scale": scale, "seed": seed, "editions": count}
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        paths = [folder / name for name in json.loads((folder / "files.json").read_text())]
        if all(p.exists() for p in paths):
            return paths
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    print(f"generating {count} edition(s) at scale {scale:g} into {folder} …", file=sys.stderr, flush=True)
    paths = generate(scale, count, seed, folder)
    (folder / "files.json").write_text(json.dumps([p.name for p in paths]))
    stamp.write_text(json.dumps(params))
    print(f"  done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return paths


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) / 1024 / 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), float("nan"))
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return {"nproc": os.cpu_count(), "memory_gb": round(mem, 1), "cpu": cpu,
            "python": platform.python_version(), "packages": versions}


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def ratio(base: float | None, ours: float | None) -> str:
    return "-" if not base or not ours else f"{base / ours:.1f}x"


def table(r: dict, timeout: float) -> list[tuple[str, str, str, str, str]]:
    """(step, regkg, baseline, ratio baseline/regkg, target) rows."""
    a, b = r["build"], r.get("baseline")
    rows = [
        ("build one edition: time", fmt_s(a["seconds"]), fmt_s(b and b["seconds"]),
         ratio(b and b["seconds"], a["seconds"]), f"<= {TARGETS['build_s']:g} s, >= {TARGETS['ratio']:g}x"),
        ("build one edition: peak memory", f"{a['peak_mb']:.0f} MB", f"{b['peak_mb']:.0f} MB" if b else "-",
         ratio(b and b["peak_mb"], a["peak_mb"]), f"<= {TARGETS['build_mb']:g} MB"),
        ("build one edition: CPU time", fmt_s(a["cpu"]), fmt_s(b and b["cpu"]), ratio(b and b["cpu"], a["cpu"]), ""),
    ]
    for name, q in r["queries"].items():
        bq = b["queries"].get(name) if b else None
        base = "-" if bq is None else (f">{timeout:g} s" if bq["ms"] is None else f"{bq['ms']:.0f} ms")
        rows.append((f"query {name} ({q['rows']} rows)", f"{q['ms']:.1f} ms", base,
                     ratio(bq and bq["ms"], q["ms"]) if bq and bq["ms"] else (f">{timeout * 1000 / q['ms']:.0f}x"
                                                                              if bq else "-"),
                     f"<= {TARGETS['query_ms']:g} ms"))
    d = r["render"]
    rows.append((f"render busiest dataset ({r['busiest']['dataset']}; {d['nodes']} nodes)", fmt_s(d["seconds"]),
                  "-", "-", f"<= {TARGETS['render_s']:g} s"))
    e = r.get("editions")
    if e:
        rows.append((f"build {e['count']} editions into one store", fmt_s(e["seconds"]), "-", "-",
                     f"<= {TARGETS['editions_s']:g} s"))
        rows.append((f"build {e['count']} editions: peak memory", f"{e['peak_mb']:.0f} MB", "-", "-", ""))
    return rows


def render_table(rows) -> str:
    head = ("step", "regkg", "baseline", "ratio", "target")
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(5)]
    line = lambda x: "  ".join(str(v).ljust(w) for v, w in zip(x, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *map(line, rows)])


def held(r: dict) -> list[tuple[str, bool]]:
    a, b = r["build"], r.get("baseline")
    out = [("full edition builds in <= 8 s", a["seconds"] <= TARGETS["build_s"]),
           ("full edition peak memory <= 500 MB", a["peak_mb"] <= TARGETS["build_mb"])]
    if b:
        out.append((">= 3x faster than the baseline", b["seconds"] / a["seconds"] >= TARGETS["ratio"]))
    slow = [n for n, q in r["queries"].items() if q["ms"] > TARGETS["query_ms"]]
    out.append(("every named query <= 50 ms median" + (f" (over: {', '.join(slow)})" if slow else ""), not slow))
    out.append(("busiest dataset renders in <= 3 s", r["render"]["seconds"] <= TARGETS["render_s"]))
    if r.get("editions"):
        out.append((f"{r['editions']['count']} editions build in <= 90 s",
                    r["editions"]["seconds"] <= TARGETS["editions_s"]))
    return out


def write_results(path: Path, r: dict, rows, args) -> None:
    m = r["machine"]
    lines = [
        "# Benchmark results", "",
        f"Latest run: {r['date']} — `python benchmarks/run.py --scale {args.scale:g} --editions {args.editions}"
        f"{' --skip-baseline' if args.skip_baseline else ''}"
        f"{' --reuse ' + ' '.join(args.reuse) if args.reuse else ''}` (seed {args.seed}).", "",
        f"Machine: {m['nproc']} CPU(s), {m['cpu']}, {m['memory_gb']} GB RAM, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".", "",
        f"Data: {r['build']['agreements']} agreements, {r['build']['quads']:,} quads per edition "
        f"(scale {args.scale:g}). Load average at the start of the one-edition build: {r['build']['load']:.1f}.",
        *(["Reused from an earlier run (`--reuse`): " + ", ".join(f"{k} ({v})" for k, v in r["reused"].items())
           + ".", ""] if r.get("reused") else []),
        "", "```", render_table(rows), "```", "",
        "Ratio = baseline / regkg (higher is better for regkg). Peak memory is the child process's VmHWM, "
        "interpreter and imports included. Queries: median of "
        f"{args.repeat} runs, parameters from each query's `# example:` line.", "",
        "## Targets", "",
        *[f"- [{'x' if ok else ' '}] {what}" for what, ok in held(r)], "",
    ]
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    if ANALYSIS in previous:  # the hand-written analysis (profiles, what is left) is kept across runs
        lines += [previous[previous.index(ANALYSIS):].rstrip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--editions", type=int, default=12, help="editions for step (e); 0 skips it (default 12)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip-baseline", action="store_true", help="skip the openpyxl/rdflib baseline (slow)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--repeat", type=int, default=5, help="runs per query (median; default 5)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per baseline query (default 60)")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    ap.add_argument("--reuse", nargs="+", default=[], choices=["baseline", "editions"],
                    help="take these steps' figures from the previous run's results.json instead of re-running "
                         "them (the slowest steps); RESULTS.md says which, and from when")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("child_args", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](*json.loads(args.child_args))))
        return 0

    out = args.out.resolve()
    paths = editions(out, args.scale, max(args.editions, 1), args.seed)
    first = str(paths[0])
    store, html = str(out / "store-one"), str(out / "busiest.html")
    r: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}

    def step(title: str, *call):
        print(f"{title} …", file=sys.stderr, flush=True)
        return spawn(*call)

    r["build"] = step("(a) regkg build, one edition", "build", [first], store)
    r["queries"] = step("(c) named queries on the regkg store", "queries", store, args.repeat)
    r["busiest"] = spawn("busiest", store)
    r["render"] = step(f"(d) render {r['busiest']['dataset']}", "render", store, r["busiest"]["dataset"], html)
    previous = json.loads((out / "results.json").read_text()) if args.reuse else {}
    for name in args.reuse:
        r[name] = previous[name]
        r.setdefault("reused", {})[name] = previous.get("reused", {}).get(name, previous["date"])
    if not args.skip_baseline and "baseline" not in args.reuse:
        r["baseline"] = step("(b) baseline build and queries (openpyxl, rdflib)", "baseline", first,
                             args.repeat, args.timeout)
    if args.editions > 1 and "editions" not in args.reuse:
        e = step(f"(e) regkg build, {len(paths)} editions into one store", "build", [str(p) for p in paths],
                 str(out / "store-editions"))
        r["editions"] = {**e, "count": len(paths)}
    (out / "results.json").write_text(json.dumps(r, indent=1))
    rows = table(r, args.timeout)
    print(render_table(rows))
    for what, ok in held(r):
        print(f"[{'x' if ok else ' '}] {what}")
    write_results(args.results, r, rows, args)
    print(f"wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
