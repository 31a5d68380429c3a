"""Load on `regkg serve`: many clients at once on loopback, and the server after runaway queries.

    python benchmarks/load.py [--store DIR] [--clients 200] [--rounds 5] [--baseline 5]

Builds the bundled sample into a scratch store (unless ``--store`` is given), starts ``regkg serve``
in its own process, then for two requests — ``ASK {}`` on ``/sparql`` and a named query's page —
sends ``--rounds`` bursts of ``--clients`` simultaneous connections (threads released together by a
barrier), and the same with ``--baseline`` clients: errors (resets, timeouts, non-200 answers) and
p50/p95 latency, with the ratio of p95 to the small baseline measured in the same run.  Then four
runaway queries are sent at once and, once they have timed out, the time ``/`` takes to answer.
Targets (issue 15): 0 errors, p95 < 1 s with 200 clients; ``/`` within 1 s after the runaways.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASK = "/sparql?query=" + urllib.parse.quote("ASK {}")
NAMED = "/ask/processors-of-dataset?dataset=SUS%2B&format=json"
RUNAWAY = "/sparql?query=" + urllib.parse.quote(
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")


def request(port: int, path: str, timeout: float) -> tuple[bool, float]:
    """(answered 200, seconds) for one GET on a fresh connection."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        response.read()
        ok = response.status == 200
        conn.close()
    except (OSError, http.client.HTTPException):
        ok = False
    return ok, time.perf_counter() - started


def burst(port: int, path: str, clients: int, timeout: float) -> list[tuple[bool, float]]:
    """``clients`` requests released at the same moment."""
    gate = threading.Barrier(clients)
    results: list[tuple[bool, float]] = [(False, 0.0)] * clients

    def client(i: int) -> None:
        gate.wait()
        results[i] = request(port, path, timeout)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def measure(port: int, path: str, clients: int, rounds: int, timeout: float) -> dict:
    results = [r for _ in range(rounds) for r in burst(port, path, clients, timeout)]
    times = sorted(t for _, t in results)
    return {"requests": len(results), "errors": sum(not ok for ok, _ in results),
            "p50_s": statistics.median(times), "p95_s": times[int(0.95 * (len(times) - 1))]}


def after_runaways(port: int, timeout: float) -> float:
    """Seconds ``/`` takes once four runaway queries have been sent and have passed their timeout."""
    threads = [threading.Thread(target=request, args=(port, RUNAWAY, timeout + 30)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return request(port, "/", 30)[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(store: Path, port: int, query_timeout: float) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port),
                               "--timeout", str(query_timeout)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        if request(port, ASK, 1)[0]:
            return server
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--baseline", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=120.0, help="client timeout, seconds")
    ap.add_argument("--query-timeout", type=float, default=5.0, help="the server's query timeout, seconds")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        store = args.store
        if store is None:
            store = Path(scratch) / "store"
            subprocess.run([sys.executable, "-m", "kg.cli", "build", str(ROOT / "kg" / "samples"), "--store",
                            str(store)], cwd=ROOT, check=True, capture_output=True)
        port = free_port()
        server = serve(store, port, args.query_timeout)
        try:
            print(f"{'request':<10} {'clients':>7} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
                  f"{'p95 ratio':>9}")
            for name, path in (("ASK {}", ASK), ("named", NAMED)):
                base = measure(port, path, args.baseline, args.rounds, args.timeout)
                load = measure(port, path, args.clients, args.rounds, args.timeout)
                for clients, r in ((args.baseline, base), (args.clients, load)):
                    print(f"{name:<10} {clients:>7} {r['requests']:>8} {r['errors']:>6} {r['p50_s'] * 1000:>8.1f} "
                          f"{r['p95_s'] * 1000:>8.1f} {r['p95_s'] / base['p95_s']:>8.1f}×")
            print(f"/ after four runaway queries timed out ({args.query_timeout:g} s): "
                  f"{after_runaways(port, args.query_timeout) * 1000:.0f} ms")
        finally:
            server.kill()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
