"""The embedded on-disk Oxigraph store, also offered to rdflib users as a Dataset (oxrdflib).

A build never edits the live store: it writes a fresh store beside it (copying the live one first
when adding to it) and swaps it in only when every source was read and loaded, so a failed build
leaves the previous store exactly as it was.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import RegkgError
from kg.namespace import BASE, PREFIX_IRIS

if TYPE_CHECKING:
    from rdflib import Dataset

STORE_ENV = "REGKG_STORE"


def default_store_path() -> Path:
    """``$REGKG_STORE``, else ``$XDG_DATA_HOME/regkg/store`` (``~/.local/share/regkg/store``)."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "regkg" / "store"


def resolve_path(path: Path | str | None) -> Path:
    return Path(path).expanduser() if path else default_store_path()


# A store regkg built says so, with the layout of its graph: a store of another layout would answer
# every default (newest-edition) question with nothing (docs/history.md).
MARKER = "regkg-store.json"
LAYOUT = 2


def exists(path: Path) -> bool:
    """Whether ``path`` holds a store this regkg built (and can read)."""
    return _layout(path) == LAYOUT


def _layout(path: Path) -> int | None:
    try:
        return json.loads((path / MARKER).read_text(encoding="utf-8")).get("layout")
    except (OSError, ValueError, AttributeError):
        return None


def generation(path: Path | str | None = None) -> str:
    """A token that changes whenever a build swaps a new store in at ``path`` (each build writes a new
    generation folder and marker), so a long-running reader knows when to reopen; "" if none is there."""
    location = resolve_path(path)
    try:
        marker = (location / MARKER).stat()
    except OSError:
        return ""
    return f"{os.path.realpath(location)}:{marker.st_ino}:{marker.st_mtime_ns}"


def open_store(path: Path | str | None = None) -> ox.Store:
    """Open a built store for reading; a missing or outdated store is a user error, not a crash."""
    return ox.Store.read_only(str(require(path)))


def require(path: Path | str | None = None) -> Path:
    """The location of a built store this regkg can read, without opening it; else the error saying
    what to run."""
    location = resolve_path(path)
    if not exists(location):
        if (location / "CURRENT").exists():
            raise RegkgError(f"{location} was built by an older regkg (or not by regkg): rebuild it with "
                             f"`regkg build SOURCES… --store {location}`")
        raise RegkgError(f"no store at {location}: run `regkg build SOURCES…` first (or pass --store)")
    return location


def check_target(target: Path) -> None:
    """Refuse to build into anything regkg did not make: a file, or a folder that is neither empty,
    nor a regkg store (of any layout), nor an Oxigraph store holding regkg's ontology graph."""
    if not target.exists():
        blocking = next((p for p in target.parents if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise RegkgError(f"--store {target}: {blocking} is a file, not a folder")
        return
    if not target.is_dir():
        raise RegkgError(f"--store {target} is a file, not a store folder: "
                         "regkg never replaces files it did not create")
    if (target / MARKER).exists() or not any(target.iterdir()) or _older_regkg_store(target):
        return
    raise RegkgError(f"--store {target} is a folder regkg did not create (it is not empty and holds no regkg "
                     "store): regkg never deletes files it did not create; choose a new or empty folder")


def _older_regkg_store(path: Path) -> bool:
    """An Oxigraph store built by a regkg that wrote no marker yet: it holds regkg's ontology graph."""
    if not (path / "CURRENT").exists():
        return False
    try:
        return ox.Store.read_only(str(path)).contains_named_graph(ox.NamedNode(f"{BASE}id/source/ontology"))
    except OSError:
        return False


def as_dataset(store: ox.Store) -> Dataset:
    """The store as an rdflib Dataset whose default graph is the union of all named graphs.

    Imported here, not at the top: oxrdflib pulls in rdflib's SPARQL engine (~0.4 s), which the
    command line never needs for a local store.
    """
    from oxrdflib import OxigraphStore
    from rdflib import Dataset

    return Dataset(store=OxigraphStore(store=store), default_union=True)


@contextmanager
def writer_lock(target: Path) -> Iterator[None]:
    """One writer at a time: two builds adding to one store would each swap in a store without the
    other's edition.  A second writer fails at once, naming the holder's pid; the lock (a file beside
    the store) is released when the holder ends, however it ends."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RegkgError(f"{target} is being written by another regkg build (pid {holder}); "
                             "try again when it has finished") from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Staging:
    """A store being written, and the folder that will be its generation (for files beside the graph)."""

    store: ox.Store
    folder: Path


@contextmanager
def swap_in(target: Path, *, copy_existing: bool, optimize: bool = True) -> Iterator[Staging]:
    """Yield a writable store that replaces ``target`` only if the block finishes without error.

    The store is written as a new generation folder beside ``target`` (``.NAME.gen-…``) and ``target``
    is a symbolic link switched to it in one atomic rename, so a build killed at any moment leaves
    either the old store or the new one at ``target``, never neither (docs/store.md).
    """
    target = location(target)
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.gen-{time.time_ns()}-{os.getpid()}")
    if copy_existing and exists(target):
        ox.Store.read_only(str(target)).backup(str(staging))
    store = ox.Store(str(staging))
    try:
        yield Staging(store, staging)
        store.flush()
        if optimize:
            store.optimize()  # measured: halves query times after a bulk load (agreements 1.8 s -> 0.8 s)
    except BaseException:
        del store
        _remove(staging)
        raise
    del store
    (staging / MARKER).write_text(json.dumps({"layout": LAYOUT}) + "\n", encoding="utf-8")
    _switch(target, staging)
    remove_leftovers(target, {"gen"})


def location(target: Path | str) -> Path:
    """Where the store named ``target`` lives: absolute, its last component not followed when it is
    regkg's own link to a generation (the swap replaces that link), but followed when it is the user's
    link to a store elsewhere (the swap then happens there, and the user's link keeps working)."""
    target = Path(target).expanduser()
    target = target.parent.resolve() / target.name
    if target.is_symlink() and not _own_link(target):
        return Path(os.path.realpath(target))
    return target


def _own_link(target: Path) -> bool:
    pointed = os.readlink(target)
    return pointed.startswith(f".{target.name}.gen-") and "/" not in pointed


def _switch(target: Path, generation: Path) -> None:
    """Point ``target`` at ``generation`` atomically; a store folder of an older regkg (a real folder,
    not a link) is first moved aside as a generation of its own, to be removed with the others."""
    if target.is_dir() and not target.is_symlink():
        target.rename(target.with_name(f".{target.name}.gen-0-{os.getpid()}"))
    link = target.with_name(f".{target.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(generation.name)
    os.replace(link, target)


def remove_leftovers(target: Path, kinds: set[str] | None = None) -> None:
    """Remove what earlier builds of ``target`` left beside it: generations it no longer points at,
    and the staging, spool and link folders of builds that were killed (or only the ``kinds`` given).
    Called under the writer lock, and matching only names regkg gives its own files, so nothing of the
    user's is touched."""
    kinds = LEFTOVER_KINDS if kinds is None else kinds
    current = os.path.realpath(target) if target.is_symlink() else None
    for path in target.parent.glob(f".{glob.escape(target.name)}.*"):
        if path.name.endswith(".lock") or os.path.realpath(path) == current:
            continue
        if path.name[len(target.name) + 2:].split("-")[0] in kinds:
            _remove(path)


# gen: a generation; link: a link being switched; spool: a build's scratch files; building/old: the
# staging and retired folders of the swap of regkg's first layout
LEFTOVER_KINDS = {"gen", "link", "spool", "building", "old"}


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def replace_graph(store: ox.Store, graph_iri: str, nquads: Path) -> None:
    """Load one source's N-Quads file as its named graph, dropping what an earlier load put there.

    Oxigraph's own parser reads the file: cheaper than a Python object per quad, and the file, not
    memory, holds a full edition's ~250 MB of text.
    """
    _emptied(store, graph_iri)
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)


def load_turtle(store: ox.Store, files: Iterable[Path], graph_iri: str) -> None:
    """Load Turtle files (the ontology and vocabularies) as one named graph, replacing it."""
    graph = _emptied(store, graph_iri)
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)


def _emptied(store: ox.Store, graph_iri: str) -> ox.NamedNode:
    """The named graph, with whatever an earlier load put there removed: reloading replaces."""
    graph = ox.NamedNode(graph_iri)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    return graph


def named_graphs(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs())



def select_values(store: ox.Store, sparql: str) -> list[list[str | None]]:
    """Rows of a SELECT over the union of all graphs, each term as its IRI or lexical value (the build's
    look-ups into a store it extends; users' queries go through ``kg.query``)."""
    result = store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)
    return [[None if term is None else term.value for term in solution] for solution in result]
