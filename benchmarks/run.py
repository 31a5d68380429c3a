"""Benchmark regkg at full scale: one edition against the obvious pipeline, and the register's history.

    python benchmarks/run.py [--scale 1.0] [--editions 63] [--start 2021-07] [--steps …] [--skip-baseline]
    python benchmarks/run.py --steps history add     # only the history steps (issue 16)

Generates a seeded series of ``--editions`` + 1 consecutive monthly workbooks from ``--start`` with
``benchmarks/make_edition.py`` (churn, releases accumulating, the July 2022 CCG renames; reused
when ``--out`` already holds the same seed, scale, start and count), then measures, each step in a
fresh Python process so that peak memories do not mix (peak = the child's ``VmHWM`` from
``/proc/self/status``, interpreter and imports included; wall time excludes imports). Steps
(``--steps``, default all):

``one``      ``kg.build.build`` of one standalone edition (``make_edition.py --editions 1``: the real
             edition's counts, ~5,600 versions) into a fresh store; every named query
             (``queries/*.rq``, parameters from each file's ``# example:`` line, median of
             ``--repeat`` runs) and ``trace`` (busiest dataset, one organisation) on it; ``regkg
             render`` of the busiest dataset;
``baseline`` the same edition with openpyxl + regkg's row→record logic + enrichment, triples added
             one by one to rdflib's in-memory Dataset (``benchmarks/baseline.py``), and the named
             queries with rdflib's engine, each under ``--timeout``;
``twelve``   ``build([folder])`` of the last 12 editions of the series;
``history``  the series' newest edition built alone, with the same queries and traces; then
             ``build([folder])`` of all ``--editions`` editions and the same queries and traces on that
             store (it answers for its newest edition: ratio to the newest built alone); the quads of
             both (``len(store)``);
``add``      ``build([next], store, add=True)``: one more edition added to the history store (after
             the history queries; the store then holds ``--editions`` + 1);
``flows``    the flow pages of the one-edition store (``benchmarks/flows_bench.py``): the busiest
             dataset's default page and the everything page, nodes drawn, size and seconds.

Prints the tables and writes ``benchmarks/RESULTS.md`` (figures, date, machine, targets). Sections
of RESULTS.md that the runner does not write (profiles, analyses, other issues' sections) are kept
as they are. Timings on a shared machine vary: the load average at the start of each step is
recorded too.
"""

from __future__ import annotations

import argparse
import contextlib
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

TARGETS = {"build_s": 8.0, "build_mb": 500.0, "ratio": 3.0, "query_ms": 50.0, "render_s": 3.0}
# issue 16: the register's history in one store
HISTORY = {"one_s": 20.0, "one_mb": 1024.0, "many_s": 480.0, "many_mb": 1536.0, "add_s": 10.0, "query_ratio": 1.2}
STEPS = ("one", "baseline", "twelve", "history", "add", "flows", "web")
GENERATED = ("## Targets", "## History (issue 16)")  # the sections run.py writes; every other one is kept
TRACE_ORG = "04V"
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
    """``--param k=v`` pairs of a query's ``# example:`` line; an edition is left to its default (the
    store's newest), since the example's month need not be in the benchmark's store."""
    words = shlex.split(q.example) if q.example else []
    editions = {p.name for p in q.params if p.kind == "edition"}
    values = {}
    for i, w in enumerate(words[:-1]):
        if w == "--param" and "=" in words[i + 1]:
            k, v = words[i + 1].split("=", 1)
            if k not in editions:
                values[k] = v
    return values


def child_build(paths: list[str], store: str, add: bool = False) -> dict:
    """``kg.build.build(paths, store)``: files or folders; ``add`` extends the store in place."""
    from kg.build import build

    if not add:
        shutil.rmtree(store, ignore_errors=True)
    t0, c0 = time.perf_counter(), _cpu()
    result = build([Path(p) for p in paths], Path(store), add=add)
    return {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "peak_mb": _peak_mb(),
            "quads": result.quads, "agreements": max((s.agreements for s in result.sources), default=0),
            "sources": len(result.sources)}


def child_quads(store: str) -> dict:
    """The store's quads, counted by pyoxigraph (``len``), and its size on disk."""
    from kg.store import open_store

    size = sum(f.stat().st_size for f in Path(store).rglob("*") if f.is_file())
    return {"quads": len(open_store(Path(store))), "disk_mb": size / 1e6}


def child_queries(store: str, repeat: int, traces: list | None = None, skip: list | None = None) -> dict:
    """Every named query (``kg.query.ask``) and each ``(dataset, org)`` of ``traces`` (``kg.trace.trace``),
    but those in ``skip``. Prints ``{"start": name}`` before and ``{"name": …, "ms": …}`` after each, so
    that the parent can tell which one a killed child was running."""
    from kg import query
    from kg.resolve import Resolver
    from kg.store import open_store
    from kg.trace import trace

    opened, resolver = open_store(Path(store)), Resolver.load()
    out = {}

    def timed(name: str, call, params) -> None:
        if name in (skip or ()):
            return
        print(json.dumps({"start": name}), flush=True)
        times, rows = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = len(call().rows)
            times.append(time.perf_counter() - t0)
        out[name] = {"ms": statistics.median(times) * 1000, "rows": rows, "params": params}
        print(json.dumps({"name": name, **out[name]}), flush=True)

    for name, q in query.named_queries().items():
        values = _example_values(q)
        timed(name, lambda name=name, values=values: query.ask(opened, name, values, resolver), values)
    for dataset, org in traces or []:
        params = {k: v for k, v in (("dataset", dataset), ("org", org)) if v}
        label = "trace " + " ".join(f"--{k} {v!r}" for k, v in params.items())
        timed(label, lambda d=dataset, o=org: trace(opened, dataset=d, org=o, resolver=resolver), params)
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


def child_flows(store: str) -> dict:
    from benchmarks.flows_bench import measure

    return measure(store)


def child_web(store: str) -> dict:
    """Entity pages, search and table views on a built store (benchmarks/web_bench.py, issue 12)."""
    from benchmarks.web_bench import measure

    return measure(Path(store), 5)


CHILDREN = {"build": child_build, "queries": child_queries, "busiest": child_busiest, "render": child_render,
            "baseline": child_baseline, "quads": child_quads, "flows": child_flows, "web": child_web}


class StepKilled(Exception):
    """A child stopped by the watchdog; ``lines`` are the JSON lines it printed before."""

    def __init__(self, reason: str, lines: list[dict]):
        super().__init__(reason)
        self.reason, self.lines = reason, lines


LIMITS = {"memory_mb": 6144.0, "idle_s": 3600.0}  # set from --memory-limit-gb / --step-timeout


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def spawn(step: str, *args, idle_s: float | None = None) -> dict:
    """Run ``step`` in a fresh interpreter; its result is the last line it prints.

    A watchdog kills the child when its resident memory passes ``LIMITS["memory_mb"]`` (a query on a
    store with many editions can take all the machine's memory) or when it prints nothing for
    ``idle_s`` seconds (default ``LIMITS["idle_s"]``); that raises ``StepKilled``."""
    import threading

    load = os.getloadavg()[0]
    idle_s = idle_s or LIMITS["idle_s"]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, json.dumps(args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    lines: list[str] = []
    errors: list[str] = []
    last = [time.monotonic()]

    def read_out():
        for line in proc.stdout:
            lines.append(line)
            last[0] = time.monotonic()

    readers = [threading.Thread(target=read_out, daemon=True),
               threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True)]
    for t in readers:
        t.start()
    killed = None
    while proc.poll() is None:
        time.sleep(0.2)
        if _rss_mb(proc.pid) > LIMITS["memory_mb"]:
            killed = f"killed over {LIMITS['memory_mb'] / 1024:g} GB"
        elif time.monotonic() - last[0] > idle_s:
            killed = f"killed after {idle_s:g} s"
        if killed:
            proc.kill()
            proc.wait()
    for t in readers:
        t.join()
    parsed = []
    for line in lines:
        with contextlib.suppress(ValueError):
            parsed.append(json.loads(line))
    if killed:
        raise StepKilled(killed, parsed)
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{''.join(errors)[-3000:]}")
    result = parsed[-1]
    if step not in ("queries", "quads"):
        result.setdefault("load", load)
    return result


def run_queries(store: str, repeat: int, traces: list | None, query_timeout: float) -> dict:
    """``child_queries``, restarted after a query the watchdog killed (that one is reported as killed)."""
    out: dict = {}
    while True:
        try:
            out.update(spawn("queries", store, repeat, traces, list(out), idle_s=query_timeout))
            return out
        except StepKilled as e:
            started = None
            for item in e.lines:
                if "start" in item:
                    started = item["start"]
                elif "name" in item:
                    out[item.pop("name")] = item
            if started is None or started in out:
                raise SystemExit(f"queries on {store}: {e.reason} before any query ran") from e
            print(f"  {started}: {e.reason}", file=sys.stderr, flush=True)
            out[started] = {"ms": None, "rows": None, "killed": e.reason}


# --- the run ---------------------------------------------------------------------------------

def series(out: Path, scale: float, count: int, seed: int, start: str) -> dict:
    """The generated series (``count`` editions + one to add), made once per parameters and reused.

    Returns the folder of the first ``count`` editions, the folder of their last 12, the newest of
    them, the one to add, and the generator's seconds per edition."""
    from benchmarks.make_edition import generate

    folder = out / f"series-scale-{scale:g}-seed-{seed}-from-{start}-editions-{count}"
    stamp = folder / "params.json"
    params = {"scale": scale, "seed": seed, "editions": count, "start": start}
    files = folder / "files"
    if not (stamp.exists() and json.loads(stamp.read_text())["params"] == params
            and all((files / n).exists() for n in json.loads(stamp.read_text())["files"])):
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {count + 1} edition(s) at scale {scale:g} from {start} into {folder} …", file=sys.stderr,
              flush=True)
        timings: list[float] = []
        paths = generate(scale, count + 1, seed, files, start=start, timings=timings)
        stamp.write_text(json.dumps({"params": params, "files": [p.name for p in paths], "seconds": timings}))
        print(f"  done in {sum(timings):.0f} s", file=sys.stderr)
    made = json.loads(stamp.read_text())
    names = made["files"]
    views = {"editions": names[:count], "last-12": names[max(0, count - 12):count]}
    for view, members in views.items():  # folders of links, so that build() reads a folder
        link_dir = folder / view
        if sorted(p.name for p in link_dir.glob("*.xlsx")) != sorted(members):
            shutil.rmtree(link_dir, ignore_errors=True)
            link_dir.mkdir(parents=True)
            for name in members:
                (link_dir / name).symlink_to(Path("..") / "files" / name)
    later = made["seconds"][1:]
    return {"folder": folder, "editions": folder / "editions", "last12": folder / "last-12",
            "count": count, "twelve": len(views["last-12"]), "newest": files / names[count - 1],
            "next": files / names[count], "generate_s": statistics.mean(later) if later else made["seconds"][0]}


def standalone(out: Path, scale: float, seed: int) -> Path:
    """One edition on its own (``make_edition.py --editions 1``), made once and reused."""
    from benchmarks.make_edition import edition_name, generate

    folder = out / f"scale-{scale:g}-seed-{seed}-one"
    path = folder / edition_name(2026 * 12)
    stamp = folder / "params.json"
    if not (path.exists() and stamp.exists() and json.loads(stamp.read_text()) == {"scale": scale, "seed": seed}):
        shutil.rmtree(folder, ignore_errors=True)
        generate(scale, 1, seed, folder, start="2026-01")
        stamp.write_text(json.dumps({"scale": scale, "seed": seed}))
    return path


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


def fmt_mb(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f} MB"


def ratio(base: float | None, ours: float | None) -> str:
    return "-" if not base or not ours else f"{base / ours:.1f}x"


def table(r: dict, timeout: float) -> list[tuple[str, str, str, str, str]]:
    """(step, regkg, baseline, ratio baseline/regkg, target) rows: one edition against the baseline."""
    a, b = r.get("build"), r.get("baseline")
    if not a:
        return []
    rows = [
        ("build one edition: time", fmt_s(a["seconds"]), fmt_s(b and b["seconds"]),
         ratio(b and b["seconds"], a["seconds"]), f"<= {TARGETS['build_s']:g} s, >= {TARGETS['ratio']:g}x"),
        ("build one edition: peak memory", fmt_mb(a["peak_mb"]), fmt_mb(b and b["peak_mb"]),
         ratio(b and b["peak_mb"], a["peak_mb"]), f"<= {TARGETS['build_mb']:g} MB"),
        ("build one edition: CPU time", fmt_s(a["cpu"]), fmt_s(b and b["cpu"]), ratio(b and b["cpu"], a["cpu"]), ""),
    ]
    for name, q in r.get("queries", {}).items():
        if name.startswith("trace "):
            continue
        bq = b["queries"].get(name) if b else None
        base = "-" if bq is None else (f">{timeout:g} s" if bq["ms"] is None else f"{bq['ms']:.0f} ms")
        if q["ms"] is None:
            rows.append((f"query {name}", q["killed"], base, "-", f"<= {TARGETS['query_ms']:g} ms"))
            continue
        rows.append((f"query {name} ({q['rows']} rows)", f"{q['ms']:.1f} ms", base,
                     ratio(bq and bq["ms"], q["ms"]) if bq and bq["ms"] else (f">{timeout * 1000 / q['ms']:.0f}x"
                                                                              if bq else "-"),
                     f"<= {TARGETS['query_ms']:g} ms"))
    d = r.get("render")
    if d:
        rows.append((f"render busiest dataset ({r['busiest']['dataset']}; {d['nodes']} nodes)", fmt_s(d["seconds"]),
                     "-", "-", f"<= {TARGETS['render_s']:g} s"))
    return rows


def history_table(r: dict) -> list[tuple[str, str, str, str, str]]:
    """(step, one edition, N editions, ratio N/one, target) rows: the register's history (issue 16)."""
    one, many, n = r.get("build"), r.get("history"), r.get("series", {}).get("count", "N")
    rows = []
    if one:
        rows.append(("build one edition: time / peak", f"{fmt_s(one['seconds'])} / {fmt_mb(one['peak_mb'])}", "-", "-",
                     f"<= {HISTORY['one_s']:g} s, <= {HISTORY['one_mb'] / 1024:g} GB"))
    if r.get("twelve"):
        t = r["twelve"]
        rows.append((f"build {t['count']} editions from a folder: time / peak", "-",
                     f"{fmt_s(t['seconds'])} / {fmt_mb(t['peak_mb'])}", ratio(t["seconds"], one and one["seconds"]),
                     ""))
    if many:
        rows.append((f"build {n} editions from a folder: time / peak", "-",
                     f"{fmt_s(many['seconds'])} / {fmt_mb(many['peak_mb'])}",
                     ratio(many["seconds"], one and one["seconds"]),
                     f"<= {HISTORY['many_s'] / 60:g} min, <= {HISTORY['many_mb'] / 1024:g} GB"))
    if r.get("add"):
        ad = r["add"]
        rows.append((f"--add one edition to the {n}: time / peak", "-", f"{fmt_s(ad['seconds'])} / "
                     f"{fmt_mb(ad['peak_mb'])}", "-", f"<= {HISTORY['add_s']:g} s"))
    q1, qn = r.get("quads_newest"), r.get("quads_history")
    if q1 or qn:
        rows.append(("quads (len(store))", f"{q1['quads']:,}" if q1 else "-", f"{qn['quads']:,}" if qn else "-",
                     ratio(qn and qn["quads"], q1 and q1["quads"]), "membership <= 10 % of the content's"))
        rows.append(("store on disk", fmt_mb(q1 and q1["disk_mb"]), fmt_mb(qn and qn["disk_mb"]),
                     ratio(qn and qn["disk_mb"], q1 and q1["disk_mb"]), ""))
    one_q, many_q = r.get("newest_queries", {}), r.get("history_queries", {})
    ms = lambda q: "-" if not q else q["killed"] if q["ms"] is None else f"{q['ms']:.1f} ms"  # noqa: E731
    for name in dict.fromkeys([*one_q, *many_q]):
        a, b = one_q.get(name), many_q.get(name)
        label = name if name.startswith("trace ") else f"query {name}"
        count = lambda q: "-" if not q or q["rows"] is None else q["rows"]  # noqa: E731
        rows_note = f" ({count(a)} / {count(b)} rows)"
        both = a and b and a["ms"] and b["ms"]
        rows.append((label + rows_note, ms(a), ms(b), f"{b['ms'] / a['ms']:.2f}x" if both else "-",
                     f"<= {HISTORY['query_ratio']:g}x"))
    return rows


def render_table(rows, head=("step", "regkg", "baseline", "ratio", "target")) -> str:
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(5)]
    line = lambda x: "  ".join(str(v).ljust(w) for v, w in zip(x, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *map(line, rows)])


HISTORY_HEAD = ("step", "one edition", "N editions", "ratio", "target")


def held(r: dict) -> list[tuple[str, bool]]:
    """The earlier targets (one edition against the baseline)."""
    a, b = r.get("build"), r.get("baseline")
    if not a:
        return []
    out = [(f"full edition builds in <= {TARGETS['build_s']:g} s", a["seconds"] <= TARGETS["build_s"]),
           (f"full edition peak memory <= {TARGETS['build_mb']:g} MB", a["peak_mb"] <= TARGETS["build_mb"])]
    if b:
        out.append((f">= {TARGETS['ratio']:g}x faster than the baseline",
                    b["seconds"] / a["seconds"] >= TARGETS["ratio"]))
    slow = [n for n, q in r.get("queries", {}).items()
            if (q["ms"] is None or q["ms"] > TARGETS["query_ms"]) and not n.startswith("trace ")]
    out.append((f"every named query <= {TARGETS['query_ms']:g} ms median" + (f" (over: {', '.join(slow)})"
                                                                              if slow else ""), not slow))
    if r.get("render"):
        out.append((f"busiest dataset renders in <= {TARGETS['render_s']:g} s",
                    r["render"]["seconds"] <= TARGETS["render_s"]))
    return out


def held_history(r: dict) -> list[tuple[str, bool]]:
    """Issue 16's targets, those measured in this run."""
    out = []
    n = r.get("series", {}).get("count", "N")
    if r.get("build"):
        a = r["build"]
        out.append((f"one edition: <= {HISTORY['one_s']:g} s and <= {HISTORY['one_mb'] / 1024:g} GB peak "
                    f"({a['seconds']:.1f} s, {a['peak_mb']:.0f} MB)",
                    a["seconds"] <= HISTORY["one_s"] and a["peak_mb"] <= HISTORY["one_mb"]))
    if r.get("history"):
        h = r["history"]
        out.append((f"{n} editions: <= {HISTORY['many_s'] / 60:g} min and <= {HISTORY['many_mb'] / 1024:g} GB peak "
                    f"({h['seconds']:.0f} s, {h['peak_mb']:.0f} MB)",
                    h["seconds"] <= HISTORY["many_s"] and h["peak_mb"] <= HISTORY["many_mb"]))
    if r.get("add"):
        out.append((f"--add of one edition to the {n}-edition store: <= {HISTORY['add_s']:g} s "
                    f"({r['add']['seconds']:.1f} s)", r["add"]["seconds"] <= HISTORY["add_s"]))
    one_q, many_q = r.get("newest_queries", {}), r.get("history_queries", {})
    if one_q and many_q:
        slow = [f"{k} " + (many_q[k]["killed"] if many_q[k]["ms"] is None else
                           f"{many_q[k]['ms'] / one_q[k]['ms']:.2f}x")
                for k in one_q if k in many_q and one_q[k]["ms"] is not None
                and (many_q[k]["ms"] is None or many_q[k]["ms"] > HISTORY["query_ratio"] * one_q[k]["ms"])]
        out.append((f"every named query and trace on the {n}-edition store within "
                    f"{(HISTORY['query_ratio'] - 1) * 100:.0f} % of one edition"
                    + (f" (over: {', '.join(slow)})" if slow else ""), not slow))
    return out


def kept_sections(previous: str) -> list[str]:
    """The ``## `` sections of an earlier RESULTS.md that the runner does not write, in order."""
    out, current = [], None
    for line in previous.splitlines():
        if line.startswith("## "):
            current = [] if line.strip() in GENERATED else [line]
            if current:
                out.append(current)
        elif current:
            current.append(line)
    return ["\n".join(section).rstrip() for section in out]


def write_results(path: Path, r: dict, args) -> None:
    m = r["machine"]
    se = r.get("series", {})
    command = (f"python benchmarks/run.py --scale {args.scale:g} --editions {args.editions} --start {args.start}"
               f"{' --steps ' + ' '.join(args.steps) if args.steps != list(STEPS) else ''}"
               f"{' --reuse ' + ' '.join(args.reuse) if args.reuse else ''}")
    lines = [
        "# Benchmark results", "",
        f"Latest run: {r['date']} — `{command}` (seed {args.seed}).", "",
        f"Machine: {m['nproc']} CPU(s), {m['cpu']}, {m['memory_gb']} GB RAM, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".", "",
    ]
    if se:
        lines += [f"Data: one standalone edition (`make_edition.py --editions 1`), and a generated series of "
                  f"{se['count']} monthly editions from {args.start} (+1 to add), scale {args.scale:g}; the "
                  f"generator took {se['generate_s']:.1f} s per edition. The history's reference is the series' "
                  f"newest edition ({se['newest']}) built alone.", ""]
    if r.get("build"):
        lines += [f"One edition: {r['build']['agreements']} agreements, {r['build']['quads']:,} quads "
                  f"(load average at the start of its build: {r['build']['load']:.1f}).", ""]
    if r.get("reused"):
        lines += ["Reused from an earlier run (`--reuse`): " + ", ".join(f"{k} ({v})" for k, v in r["reused"].items())
                  + ".", ""]
    rows = table(r, args.timeout)
    if rows:
        lines += ["```", render_table(rows), "```", "",
                  "Ratio = baseline / regkg (higher is better for regkg). Peak memory is the child process's VmHWM, "
                  "interpreter and imports included. Queries: median of "
                  f"{args.repeat} runs, parameters from each query's `# example:` line.", "",
                  "## Targets", "", *[f"- [{'x' if ok else ' '}] {what}" for what, ok in held(r)], ""]
    hrows = history_table(r)
    if hrows:
        lines += ["## History (issue 16)", "",
                  "Every step in a fresh process. The N-edition store is built from a folder "
                  "(`kg.build.build([folder], store)`); queries and traces answer for its newest edition, so the "
                  "\"one edition\" column is that edition built alone (the build target row is the standalone "
                  "edition above); ratio = N editions / one edition. Quads counted with pyoxigraph `len(store)`.",
                  "",
                  "```", render_table(hrows, HISTORY_HEAD), "```", "",
                  *[f"- [{'x' if ok else ' '}] {what}" for what, ok in held_history(r)], ""]
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    for section in kept_sections(previous):  # hand-written analyses and other issues' sections stay
        lines += [section, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--editions", type=int, default=63,
                    help="editions of the history series (default 63; one more is generated for --add)")
    ap.add_argument("--start", default="2021-07", help="month of the series' first edition (default 2021-07)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS),
                    help="steps to run (default all: " + " ".join(STEPS) + "); history and add need no other")
    ap.add_argument("--skip-baseline", action="store_true", help="skip the openpyxl/rdflib baseline (slow)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--repeat", type=int, default=5, help="runs per query (median; default 5)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per baseline query (default 60)")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    ap.add_argument("--query-timeout", type=float, default=300.0,
                    help="seconds a regkg query (all its --repeat runs) may take before it is killed and reported "
                         "as such (default 300)")
    ap.add_argument("--step-timeout", type=float, default=3600.0, help="seconds any other step may take (default 3600)")
    ap.add_argument("--memory-limit-gb", type=float, default=6.0,
                    help="kill a step whose resident memory passes this (default 6; the machine is shared)")
    ap.add_argument("--reuse", nargs="+", default=[], choices=["baseline", "twelve", "history", "add"],
                    help="take these steps' figures from the previous run's results.json instead of re-running "
                         "them (the slowest steps); RESULTS.md says which, and from when. The one-edition and "
                         "baseline figures are carried over whenever those steps are not run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("child_args", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](*json.loads(args.child_args))))
        return 0
    if args.editions < 1:
        ap.error("--editions must be at least 1")
    LIMITS.update(memory_mb=args.memory_limit_gb * 1024, idle_s=args.step_timeout)
    steps = [s for s in args.steps if not (s == "baseline" and args.skip_baseline)]
    if args.editions < 12:
        steps = [s for s in steps if s != "twelve"]

    out = args.out.resolve()
    se = series(out, args.scale, args.editions, args.seed, args.start)
    newest = str(se["newest"])
    store_one, store_newest, store_many = (str(out / name) for name in ("store-one", "store-newest", "store-history"))
    html = str(out / "busiest.html")
    r: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
               "series": {"count": se["count"], "newest": se["newest"].name, "generate_s": se["generate_s"]}}
    previous = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else {}

    def step(title: str, *call):
        print(f"{title} …", file=sys.stderr, flush=True)
        return spawn(*call)

    # one edition (the standalone full edition: 1,950 agreements, ~5,600 versions, 105,000 releases)
    if "one" in steps or "baseline" in steps:
        one = standalone(out, args.scale, args.seed)
    if "one" in steps:
        r["build"] = step(f"(one) regkg build, one edition ({one.name})", "build", [str(one)], store_one)
        r["busiest"] = spawn("busiest", store_one)
        r["traces"] = [[r["busiest"]["dataset"], None], [None, TRACE_ORG]]
        print("(one) named queries and traces on the one-edition store …", file=sys.stderr, flush=True)
        r["queries"] = run_queries(store_one, args.repeat, r["traces"], args.query_timeout)
        r["render"] = step(f"(one) render {r['busiest']['dataset']}", "render", store_one,
                           r["busiest"]["dataset"], html)
    if "flows" in steps:  # benchmarks/flows_bench.py: the busiest dataset's page and the everything page
        r["flows"] = step("(flows) flow pages of the one-edition store", "flows", store_one)
        print(json.dumps(r["flows"], indent=2), file=sys.stderr)
    # the reference for the history: the series' newest edition alone, which the history store answers for
    if "history" in steps and "history" not in args.reuse:
        r["newest"] = step(f"(history) regkg build, the newest edition alone ({se['newest'].name})", "build",
                           [newest], store_newest)
        if "traces" not in r:
            r["busiest"] = spawn("busiest", store_newest)
            r["traces"] = [[r["busiest"]["dataset"], None], [None, TRACE_ORG]]
        print("(history) named queries and traces on the newest edition alone …", file=sys.stderr, flush=True)
        r["newest_queries"] = run_queries(store_newest, args.repeat, r["traces"], args.query_timeout)
        r["quads_newest"] = spawn("quads", store_newest)
    for name, keys in (("one", ["build", "queries", "busiest", "render"]), ("baseline", ["baseline"])):
        if name not in steps and all(k in previous for k in keys):  # not run: the last figures stay in RESULTS.md
            r.update({k: previous[k] for k in keys})
            r.setdefault("reused", {})[name] = previous.get("reused", {}).get(name, previous.get("date", "?"))
    for name in args.reuse:
        keys = {"history": ["history", "history_queries", "quads_history", "newest", "newest_queries",
                            "quads_newest"]}.get(name, [name])
        for key in keys:
            if key in previous:
                r[key] = previous[key]
        r.setdefault("reused", {})[name] = previous.get("reused", {}).get(name, previous.get("date", "?"))
    if "baseline" in steps and "baseline" not in args.reuse:
        r["baseline"] = step("(baseline) openpyxl + rdflib build and queries", "baseline", str(one), args.repeat,
                             args.timeout)
    if "twelve" in steps and "twelve" not in args.reuse:
        t = step(f"(twelve) regkg build, the last {se['twelve']} editions from a folder", "build",
                 [str(se["last12"])], str(out / "store-twelve"))
        r["twelve"] = {**t, "count": se["twelve"]}
    if "history" in steps and "history" not in args.reuse:
        h = step(f"(history) regkg build, {se['count']} editions from a folder", "build", [str(se["editions"])],
                 store_many)
        r["history"] = {**h, "count": se["count"]}
        print(f"(history) named queries and traces on the {se['count']}-edition store …", file=sys.stderr,
              flush=True)
        r["history_queries"] = run_queries(store_many, args.repeat, r.get("traces"), args.query_timeout)
        r["quads_history"] = spawn("quads", store_many)
    if "add" in steps and "add" not in args.reuse:
        if not Path(store_many).exists():
            r["history"] = {**step(f"(add) first, regkg build of {se['count']} editions", "build",
                                   [str(se["editions"])], store_many), "count": se["count"]}
        r["add"] = step(f"(add) regkg build --add {se['next'].name}", "build", [str(se["next"])], store_many, True)
        r["add"]["edition"] = se["next"].name
        # the store now holds one more edition: the next history step rebuilds it from the folder

    if "web" in steps:  # issue 12: pages ≤ 200 ms, search ≤ 100 ms, on every store built above
        r["web"] = [step(f"(web) pages and search on {Path(s).name}", "web", s) for s in (store_one, store_many)
                    if Path(s).exists()]
        for figures in r["web"]:
            print(json.dumps(figures))

    (out / "results.json").write_text(json.dumps(r, indent=1, default=str))
    rows = table(r, args.timeout)
    if rows:
        print(render_table(rows))
        for what, ok in held(r):
            print(f"[{'x' if ok else ' '}] {what}")
    hrows = history_table(r)
    if hrows:
        print()
        print(render_table(hrows, HISTORY_HEAD))
        for what, ok in held_history(r):
            print(f"[{'x' if ok else ' '}] {what}")
    write_results(args.results, r, args)
    print(f"wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
