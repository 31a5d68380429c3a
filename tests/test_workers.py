"""Store work runs in worker processes that a timeout really stops: runaway queries never keep their
slots, so the pool answers again as soon as they time out."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from kg import query
from kg import store as stores
from kg.errors import RegkgError
from kg.workers import Busy, TimedOut, WorkerPool

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture
def pool(sample_store_path):
    workers = WorkerPool(stores.open_store, sample_store_path, size=2, timeout=3.0)
    yield workers
    workers.close()


def test_a_job_answers_from_the_workers_own_view_of_the_store(pool):
    result = pool.run(query.run, "ASK { ?a <http://purl.org/dc/terms/identifier> 'DARS-NIC-199599-S0T5M' }")
    assert result.boolean is True


def test_an_error_in_a_job_reaches_the_caller_as_one_line(pool):
    with pytest.raises(RegkgError, match=r"^SPARQL syntax error at line 1, column 16 \(near 'SELECT \?x WHERE'\): "
                                         r"expected one of \"\{\", DISTINCT"):
        pool.run(query.run, "SELECT ?x WHERE")


def test_runaway_queries_are_stopped_at_their_timeout_and_free_their_slots(pool):
    with ThreadPoolExecutor(4) as threads:
        outcomes = list(threads.map(lambda _: _outcome(pool), range(4)))
    assert set(outcomes) <= {"timed out", "busy"} and "timed out" in outcomes
    started = time.monotonic()
    assert pool.run(query.run, "ASK {}").boolean is True
    assert time.monotonic() - started < 3.0  # a fresh worker, not one still counting


def _outcome(pool: WorkerPool) -> str:
    try:
        pool.run(query.run, RUNAWAY)
    except TimedOut:
        return "timed out"
    except Busy:
        return "busy"
    return "answered"


def test_a_job_that_cannot_be_sent_keeps_every_slot(pool):
    with pytest.raises(Exception, match="pickle"):
        pool.run(query.run, lambda: None)
    assert pool._idle.qsize() == 2  # the worker it was meant for was replaced, not lost
    assert pool.run(query.run, "ASK {}").boolean is True
