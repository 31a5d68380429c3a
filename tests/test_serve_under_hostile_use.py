"""`regkg serve` as its own process on 127.0.0.1, under what killed or locked it before: a deeply
nested query, SERVICE, runaway queries, a burst of 200 clients, malformed headers."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

ASK = "/sparql?query=" + quote("ASK {}")
RUNAWAY = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")


def get(port: int, path: str, timeout: float = 60, headers: dict[str, str] | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_store_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(sample_store_path),
                                "--port", str(port), "--timeout", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            try:
                if get(port, ASK, timeout=5)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield process, port
    finally:
        process.kill()
        process.wait()


def test_a_query_nested_5000_deep_is_a_400_and_the_server_lives_on(server):
    process, port = server
    status, body = get(port, "/sparql?query=" + quote("SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000))
    assert (status, body) == (400, "query refused at line 1, column 116: brackets nest more than 100 deep\n")
    assert process.poll() is None and get(port, ASK)[0] == 200


def test_service_is_refused_by_the_server(server):
    _, port = server
    status, body = get(port, "/sparql?query=" + quote("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
    assert status == 400 and body.startswith("query refused at line 1, column 18: SERVICE (a federated query)")


def test_after_four_runaway_queries_time_out_the_server_answers_at_once(server):
    _, port = server
    answers: list[tuple[int, str]] = []
    runaways = [threading.Thread(target=lambda: answers.append(get(port, RUNAWAY))) for _ in range(4)]
    for t in runaways:
        t.start()
    for t in runaways:
        t.join()
    assert [status for status, _ in answers] == [503] * 4
    assert all("longer than 2 s and was stopped" in body for _, body in answers)
    started = time.monotonic()
    assert get(port, "/", timeout=30)[0] == 200
    assert get(port, ASK, timeout=30)[0] == 200
    assert time.monotonic() - started < 10  # not after the runaways would have ended (minutes)


def test_200_clients_at_once_are_all_answered(server):
    _, port = server
    gate = threading.Barrier(200)
    statuses: list[int | str] = []

    def client() -> None:
        gate.wait()
        try:
            statuses.append(get(port, ASK, timeout=120)[0])
        except OSError as e:
            statuses.append(type(e).__name__)

    clients = [threading.Thread(target=client) for _ in range(200)]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    assert statuses == [200] * 200


def test_malformed_headers_are_answered_with_400(server):
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: lots\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 431 Line too long")
