"""regkg builds only into folders it made: a user's files are never deleted, and a store of an older
layout is never read as if it were current (its default answers would all be empty)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from kg import store as stores
from kg.build import build
from kg.cli import app
from kg.errors import RegkgError
from kg.resources import samples_dir

PAGE = samples_dir() / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"


def test_a_folder_of_the_users_files_is_refused_and_kept(tmp_path):
    folder = tmp_path / "docs-test"
    folder.mkdir()
    (folder / "a.txt").write_text("precious\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(PAGE), "--store", str(folder)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: --store {folder} is a folder regkg did not create (it is not empty and holds no regkg store): "
        "regkg never deletes files it did not create; choose a new or empty folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs-test"]
    assert [p.name for p in folder.iterdir()] == ["a.txt"]
    assert (folder / "a.txt").read_text(encoding="utf-8") == "precious\n"


def test_a_regular_file_is_refused_and_kept(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(RegkgError, match=r"is a file, not a store folder: regkg never replaces files it did not "
                                         r"create$"):
        build([PAGE], target)
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_an_empty_folder_and_a_regkg_store_are_built_into(tmp_path):
    (tmp_path / "empty").mkdir()
    build([PAGE], tmp_path / "empty")
    assert stores.exists(tmp_path / "empty")
    build([PAGE], tmp_path / "empty")  # its own store: replaced
    assert (tmp_path / "empty" / stores.MARKER).read_text(encoding="utf-8") == '{"layout": 2}\n'


def test_a_store_of_an_older_layout_is_not_read_but_can_be_rebuilt(tmp_path):
    path = tmp_path / "store"
    build([PAGE], path)
    (path / stores.MARKER).unlink()  # what the first regkg wrote: an Oxigraph store, no marker
    with pytest.raises(RegkgError, match=rf"^{path} was built by an older regkg \(or not by regkg\): rebuild it with"):
        stores.open_store(path)
    with pytest.raises(RegkgError, match=r"was built by an older regkg \(or not by regkg\): rebuild it with"):
        build([PAGE], path, add=True)  # adding would mix two layouts
    build([PAGE], path)
    assert stores.exists(path)


def built(tmp_path):
    path = tmp_path / "store"
    build([PAGE], path)
    return path, sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir())


def test_a_page_with_no_agreement_fails_and_leaves_the_store(tmp_path):
    path, before = built(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text("# not a register\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(readme), "--store", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == ("error: README.md: no agreement blocks found (expected a heading such as "
                                     "'<title> — DARS-NIC-…' followed by 'Opt outs honoured:')")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir()) == before


def test_a_folder_with_nothing_usable_fails_and_leaves_the_store(tmp_path):
    path, before = built(tmp_path)
    folder = tmp_path / "sources"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "page.txt").write_text(PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "~$datausesregister_august2026.xlsx").write_bytes(b"lock")
    with pytest.raises(RegkgError, match=r"^.*sources: no register sources in this folder; expected workbooks"):
        build([folder], path, add=True)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir()) == before


def test_a_second_writer_fails_at_once_naming_the_first(tmp_path):
    path, _ = built(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from kg.store import writer_lock\n"
        f"with writer_lock(Path({str(path)!r})):\n    print('held', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RegkgError, match=rf"^{path} is being written by another regkg build "
                                             rf"\(pid {holder.pid}\); try again when it has finished$"):
            build([PAGE], path, add=True)
    finally:
        holder.kill()
        holder.wait()
    build([PAGE], path, add=True)  # the lock went with its holder
    assert stores.exists(path)


def test_a_build_that_reads_no_agreement_at_all_fails(tmp_path, monkeypatch):
    """A source the reader accepts but that holds no agreement is a warning; nothing read at all fails."""
    from kg.records import SourceDocument

    monkeypatch.setattr("kg.build.read_source", lambda path, vocab, edition=None: SourceDocument(
        path=str(path), kind="page", name=path.name))
    with pytest.raises(RegkgError, match=r"^nhs_leicester_leicestershire_and_rutland_icb__04v.txt: no agreement "
                                         r"read; expected a Data Uses Register workbook"):
        build([PAGE], tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_demo_replaces_only_a_store_that_holds_the_demo(tmp_path):
    path, before = built(tmp_path)  # the user's store: one page, not the demo's sources
    result = CliRunner().invoke(app, ["demo", "--store", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"error: the store at {path} holds other sources than the demo's; it is left "
                                     "as it is: run `regkg demo --store DIR` to build the demo elsewhere")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir()) == before
    demo_store = tmp_path / "demo"
    assert CliRunner().invoke(app, ["demo", "--store", str(demo_store)]).exit_code == 0
    assert CliRunner().invoke(app, ["demo", "--store", str(demo_store)]).exit_code == 0  # the demo again: fine


def test_demo_replaces_a_demo_built_by_an_older_regkg(tmp_path):
    demo_store = tmp_path / "demo"
    assert CliRunner().invoke(app, ["demo", "--store", str(demo_store)]).exit_code == 0
    (demo_store / stores.MARKER).unlink()  # as the first regkg left it
    assert CliRunner().invoke(app, ["demo", "--store", str(demo_store)]).exit_code == 0
    assert stores.exists(demo_store)


def test_a_build_killed_at_any_moment_leaves_a_store_and_the_next_build_clears_its_leftovers(tmp_path):
    """SIGKILL rebuilds as each of their stages shows on disk (scratch spool, new generation) and a
    moment after: the store at the path always opens and answers; the next build removes what the
    killed ones left beside it."""
    path = tmp_path / "store"
    build([samples_dir()], path)
    ask = "ASK { ?a <http://purl.org/dc/terms/identifier> 'DARS-NIC-199599-S0T5M' }"
    left = set()
    for stage, after in ((".store.spool-", 0.0), (".store.spool-", 0.2), (".store.gen-", 0.0), (".store.gen-", 0.05),
                         (".store.gen-", 0.15)):
        before = {p.name for p in tmp_path.iterdir()}
        killed = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(samples_dir()), "--store", str(path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while killed.poll() is None and not any(p.name.startswith(stage) and p.name not in before
                                                for p in tmp_path.iterdir()):
            time.sleep(0.002)
        time.sleep(after)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert bool(stores.open_store(path).query(ask, use_default_graph_as_union=True)), (stage, after)
        left.update(p.name.split("-")[0] for p in tmp_path.iterdir() if p.name.startswith(".store.") and
                    str(p) != os.path.realpath(path))
    assert {".store.spool", ".store.gen"} <= left  # kills landed inside builds
    build([samples_dir()], path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["store", ".store.lock", os.path.basename(os.readlink(path))])
    assert os.readlink(path).startswith(".store.gen-")


def test_a_store_under_a_file_is_one_line(tmp_path):
    (tmp_path / "notes").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(PAGE), "--store", str(tmp_path / "notes" / "store")])
    assert (result.exit_code, result.output.strip()) == (
        1, f"error: --store {tmp_path / 'notes' / 'store'}: {tmp_path / 'notes'} is a file, not a folder")


def test_a_store_named_by_a_relative_path_keeps_its_generation_across_builds(tmp_path, monkeypatch):
    """The live generation is never taken for a leftover, however the store's path is written."""
    monkeypatch.chdir(tmp_path)
    build([PAGE], "mystore")
    build([PAGE], "mystore", add=True)
    assert stores.exists(tmp_path / "mystore")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".mystore.lock", "mystore", os.readlink(tmp_path / "mystore")])


def test_a_users_link_to_a_store_elsewhere_is_followed_and_kept(tmp_path):
    elsewhere = tmp_path / "big-disk" / "regkg"
    build([PAGE], elsewhere)
    link = tmp_path / "home-store"
    link.symlink_to(elsewhere)
    build([PAGE], link)
    assert os.readlink(link) == str(elsewhere)  # the user's link, untouched
    assert stores.exists(link) and os.readlink(elsewhere).startswith(".regkg.gen-")
    assert not any(p.name.startswith(".home-store") for p in tmp_path.iterdir())
