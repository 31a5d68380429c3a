"""Store work in worker processes that can be stopped: how ``serve`` keeps a timeout a timeout.

Oxigraph cannot cancel a query once it runs, and a thread cannot be killed: a runaway query in a
thread keeps its slot until it ends, and four of them locked the server.  So the server hands store
work to a few worker processes, each holding its own read-only view of the store; when a job passes
its timeout, its worker is killed (freeing the slot at once) and a fresh one started in its place
(docs/security.md).

A job is a module-level function and plain arguments (both pickled): ``work(state, *args)``, where
``state`` is what ``opener(path)`` returned in the worker — for the server, a ``Register``.  A worker
reopens its state when a build has swapped a new store in (``kg.store.generation``).
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg import store as stores
from kg.errors import RegkgError

# spawn, not fork: the server runs threads, and a forked copy of a threaded process may hold locks
# that no thread of the copy will ever release
_CONTEXT = multiprocessing.get_context("spawn")


class Busy(RegkgError):
    """Every worker is busy: the caller should answer 503 and let the client try again."""


class TimedOut(RegkgError):
    """A job ran past its timeout; its worker was stopped."""


class WorkerPool:
    """``size`` worker processes, each running one job at a time with a timeout."""

    def __init__(self, opener: Callable[[Path], Any], path: Path, size: int = 4, timeout: float = 30.0):
        self.opener, self.path, self.timeout = opener, path, timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        for _ in range(size):
            self._add()

    def run(self, work: Callable[..., Any], *args: Any) -> Any:
        """``work(state, *args)`` in a worker; waits at most ``timeout`` for a worker and for the answer."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise Busy(f"the server is busy with {len(self._all)} long queries; try again later") from None
        try:
            outcome, value = worker.call(work, args, self.timeout)
        except (TimedOut, EOFError, OSError) as e:
            self._replace(worker)
            if isinstance(e, TimedOut):
                raise
            raise RegkgError("the query stopped its worker; it was restarted") from None
        except BaseException:  # a job that could not be sent or answered: the worker's state is unknown
            self._replace(worker)
            raise
        self._idle.put(worker)
        if outcome == "error":
            raise value
        return value

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                worker.stop()
            self._all.clear()

    def _add(self) -> None:
        worker = _Worker(self.opener, self.path)
        with self._lock:
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)
        self._add()


class _Worker:
    """One process and the parent's end of its pipe."""

    def __init__(self, opener: Callable[[Path], Any], path: Path):
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child, opener, path), daemon=True,
                                        name="regkg-worker")
        self.process.start()
        child.close()

    def call(self, work: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> tuple[str, Any]:
        self.conn.send((work, args))
        if not self.conn.poll(timeout):
            raise TimedOut(f"the query took longer than {timeout:g} s and was stopped (narrow it, or run it "
                           "with `regkg query`)")
        return self.conn.recv()

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _serve(conn: Connection, opener: Callable[[Path], Any], path: Path) -> None:
    """The worker's loop: open the state, then answer jobs until the pipe closes."""
    token, state = None, None
    while True:
        try:
            work, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if stores.generation(path) != token or state is None:
                token, state = stores.generation(path), opener(path)
            conn.send(("ok", work(state, *args)))
        except Exception as e:  # the caller gets it to raise (as a plain error if it cannot travel)
            conn.send(("error", _portable(e)))


def _portable(error: Exception) -> Exception:
    """``error`` if it survives pickling both ways, else a plain error with its message."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        kind = RegkgError if isinstance(error, RegkgError) else RuntimeError
        return kind(str(error) if kind is RegkgError else f"{type(error).__name__}: {error}")
