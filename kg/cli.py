"""``regkg``: a thin typer skin over the library.  Every command is a plain function in ``kg``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from kg import build as builder
from kg import output, query, stats
from kg import store as stores
from kg.errors import RegkgError

app = typer.Typer(help="A knowledge graph of England's NHS data release register.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
# Register text is hostile: it is printed as plain text, never parsed as rich markup ("[...]" is common).
err = Console(stderr=True, markup=False, highlight=False)
WARNINGS_SHOWN = 20

StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help=f"Store folder (default: ${stores.STORE_ENV} or ~/.local/share/regkg/store).")]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", help="table, csv, tsv or json (default: table on a terminal, csv in a pipe).")]
EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint", help="Query this SPARQL server (e.g. http://127.0.0.1:7878) instead of the local store.")]
EditionOpt = Annotated[str | None, typer.Option(
    "--edition", help="Answer for this edition (YYYY-MM) instead of the newest.")]
AllEditionsOpt = Annotated[bool, typer.Option(
    "--all-editions", help="Answer over every edition the store holds, not just the newest.")]


def fail(message: str) -> typer.Exit:
    err.print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
    return typer.Exit(1)


def choose_format(fmt: str | None) -> str:
    fmt = fmt or output.default_format()
    if fmt not in output.FORMATS:
        raise fail(f"unknown format {fmt!r}; choose one of {', '.join(output.FORMATS)}")
    return fmt


def open_target(endpoint: str | None, store: Path | None) -> Any:
    """The remote server when --endpoint is given, else the local store."""
    if endpoint:
        from kg import remote

        return remote.remote_graph(endpoint)
    return stores.open_store(store)


def scope_for(target: Any, edition: str | None, all_editions: bool) -> Any:
    """The editions a question is asked of; a local store also checks that it holds the edition."""
    from kg import scope

    chosen = scope.scope_of(edition, all_editions)
    return scope.check(target, chosen) if isinstance(target, stores.ox.Store) else chosen


def params(pairs: list[str] | None) -> dict[str, str]:
    values = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise fail(f"--param expects key=value, got {pair!r}")
        values[key.strip()] = value
    return values


@app.command()
def build(
    sources: Annotated[list[Path], typer.Argument(help="Workbooks (.xlsx or CSV folders), pages (.txt/.html), or folders of them.")],
    store: StoreOpt = None,
    add: Annotated[bool, typer.Option("--add", help="Add to the existing store instead of replacing it.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on vocabulary values regkg has never seen.")] = False,
    edition: Annotated[str | None, typer.Option("--edition", help="Edition (YYYY-MM) when the file name has none.")] = None,
    all_warnings: Annotated[bool, typer.Option("--all-warnings", help=f"Show every warning, not the first {WARNINGS_SHOWN}.")] = False,
) -> None:
    """Build the store from register sources (a new store is swapped in only if all succeed)."""
    try:
        with err.status("building…") as status:
            result = builder.build(sources, store, add=add, strict=strict, edition=edition,
                                   progress=lambda msg: status.update(msg))
    except RegkgError as e:
        raise fail(str(e)) from None
    for source in result.sources:
        if source.skipped:
            err.print(f"{source.name}: edition {source.edition} is already in the store; nothing changed",
                      soft_wrap=True)
            continue
        new = f" ({source.new_versions} new)" if source.new_versions is not None else ""
        err.print(f"{source.name}: {source.agreements} agreements, {source.versions} versions{new}, "
                  f"{source.quads} triples")
    report_warnings(result, all_warnings)
    err.print(f"store: {result.store}")


def report_warnings(result: builder.BuildResult, show_all: bool = False) -> None:
    """The warning summary: source problems (the first few unless ``show_all``), then values never
    seen before (kept verbatim in the graph)."""
    shown = result.warnings if show_all else result.warnings[:WARNINGS_SHOWN]
    for warning in shown:
        err.print(Text.assemble(("warning: ", "yellow"), warning))
    if len(shown) < len(result.warnings):
        err.print(f"… and {len(result.warnings) - len(shown)} more warnings (--all-warnings shows them)")
    if result.unknown_values:
        err.print(Text(f"{len(result.unknown_values)} unknown value(s), kept verbatim:", "yellow"))
        for (scheme, value), count in sorted(result.unknown_values.items()):
            err.print(f"  {scheme}: {value!r} ×{count}")


@app.command("query")
def query_cmd(
    sparql: Annotated[str, typer.Argument(help="A SPARQL SELECT/ASK query, or a file holding one ('-' for stdin).")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="key=value binds ?key (a literal, or as a `# param: key (kind)` line in the query says), repeatable.")] = None,
    fmt: FormatOpt = None,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Run an ad hoc SPARQL query over every graph in the store, with bound parameters.

    `# EDITION ?v` lines in the query restrict ?v to versions of the chosen edition (docs/history.md).
    """
    text = sys.stdin.read() if sparql == "-" else (
        Path(sparql).read_text(encoding="utf-8") if Path(sparql).is_file() else sparql)
    try:
        target = open_target(endpoint, store)
        result = query.run_text(target, text, params(param), scope=scope_for(target, edition, all_editions))
    except RegkgError as e:
        raise fail(str(e)) from None
    output.write(result, choose_format(fmt))


@app.command()
def ask(
    name: Annotated[str | None, typer.Argument(help="Named query (see --list).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="key=value, repeatable.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the named queries.")] = False,
    fmt: FormatOpt = None,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Run a named query from the library (queries/*.rq) with bound parameters, for the newest edition
    unless --edition or --all-editions says otherwise."""
    if list_ or not name:
        listing = query.QueryResult(["name", "title", "parameters"], [
            [q.name, q.title, ", ".join(f"{p.name} ({p.kind})" for p in q.params)]
            for q in query.named_queries().values()])
        output.write(listing, choose_format(fmt))
        return
    try:
        target = open_target(endpoint, store)
        result = query.ask(target, name, params(param), scope=scope_for(target, edition, all_editions))
    except RegkgError as e:
        raise fail(str(e)) from None
    output.write(result, choose_format(fmt), title=query.get_named_query(name).title)


@app.command()
def push(
    endpoint: Annotated[str, typer.Option("--endpoint", help="SPARQL server, e.g. http://127.0.0.1:7878 (Oxigraph).")],
    graph_store: Annotated[str | None, typer.Option("--graph-store", help="Graph Store Protocol URL (default: the endpoint's /store, as Oxigraph serves it).")] = None,
    store: StoreOpt = None,
) -> None:
    """Upload every named graph of the store to a SPARQL server (each graph replaced, never duplicated)."""
    from kg import remote

    try:
        report = remote.push(stores.open_store(store), endpoint, graph_store=graph_store)
    except RegkgError as e:
        raise fail(str(e)) from None
    for graph in report.graphs:
        err.print(f"{graph.iri}: {graph.triples} triples", highlight=False, soft_wrap=True)
    err.print(f"pushed {len(report.graphs)} graphs, {report.triples} triples to {report.graph_store} "
              f"in {report.seconds:.1f} s", highlight=False)


@app.command("stats")
def stats_cmd(store: StoreOpt = None, fmt: FormatOpt = None) -> None:
    """Counts of what the store holds, per source graph."""
    try:
        result = stats.stats(stores.open_store(store))
    except RegkgError as e:
        raise fail(str(e)) from None
    output.write(result, choose_format(fmt))


@app.command()
def validate(store: StoreOpt = None) -> None:
    """Check the store against the SHACL shapes in ontology/shapes.ttl."""
    from kg.validate import validate as run_validation

    try:
        report = run_validation(stores.open_store(store))
    except RegkgError as e:
        raise fail(str(e)) from None
    if not report.conforms:
        typer.echo(report.text)
        raise fail("the store does not conform to the shapes (report above)")
    err.print("valid: the store conforms to the shapes", highlight=False)


@app.command()
def export(
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="turtle, nt, jsonld, trig, nquads, or graphml/gexf (the flow graph).")] = "turtle",
    out: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    store: StoreOpt = None,
) -> None:
    """Write the graph as RDF, or the flow graph as GraphML/GEXF for Gephi and Cytoscape."""
    from kg.export import RDF_FORMATS, export_rdf
    from kg.render import GRAPH_FORMATS

    if fmt not in RDF_FORMATS + GRAPH_FORMATS:
        raise fail(f"unknown format {fmt!r}; choose one of {', '.join(RDF_FORMATS + GRAPH_FORMATS)}")
    try:
        if fmt in GRAPH_FORMATS:
            from kg.flows import flow_graph
            from kg.render import export_graph

            export_graph(flow_graph(stores.open_store(store)), fmt, out or sys.stdout.buffer)
            return
        export_rdf(stores.open_store(store), fmt, out or sys.stdout.buffer)
    except RegkgError as e:
        raise fail(str(e)) from None


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Earlier edition, YYYY-MM.")],
    new: Annotated[str, typer.Argument(help="Later edition, YYYY-MM.")],
    fmt: FormatOpt = None,
    store: StoreOpt = None,
) -> None:
    """Agreements added, removed and amended between two editions, each changed field old → new."""
    from kg.diff import diff as run_diff

    try:
        result = run_diff(stores.open_store(store), old, new)
    except RegkgError as e:
        raise fail(str(e)) from None
    output.write(result, choose_format(fmt), title=f"{old} → {new}")


@app.command()
def history(
    reference: Annotated[str, typer.Argument(help="An agreement's reference, e.g. DARS-NIC-199599-S0T5M.")],
    fmt: FormatOpt = None,
    store: StoreOpt = None,
) -> None:
    """An agreement's timeline: editions that listed it, its versions, and what changed in each."""
    from kg.history import history as timeline

    try:
        result = timeline(stores.open_store(store), reference)
    except RegkgError as e:
        raise fail(str(e)) from None
    output.write(result, choose_format(fmt), title=f"History of {reference}")


@app.command()
def trace(
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="Any label of a dataset, e.g. SUS+.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Any name or ODS code of an organisation.")] = None,
    fmt: FormatOpt = None,
    html_file: Annotated[Path | None, typer.Option("--html", help="Also write the flow graph as an HTML page.")] = None,
    store: StoreOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Trace flows: source (NHS England / DSCRO) → controller → processor, per agreement."""
    from kg import flows, render
    from kg import trace as tracing

    if not dataset and not org:
        raise fail("give --dataset and/or --org")
    try:
        opened = stores.open_store(store)
        chosen = scope_for(opened, edition, all_editions)
        rows = tracing.trace(opened, dataset=dataset, org=org, scope=chosen)
        output.write(rows, choose_format(fmt), title=f"Flows of {dataset or org}")
        if not rows.rows:
            err.print(Text(f"no flows of {dataset or org!r} in this store", "yellow"))
        if html_file:
            render.render(flows.flow_graph(opened, dataset=dataset, org=org, scope=chosen), html_file,
                          heading=f"Flows of {dataset or org}")
    except RegkgError as e:
        raise fail(str(e)) from None


@app.command()
def render(
    out: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path("flows.html"),
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="Any label of a dataset.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Any name or ODS code of an organisation.")] = None,
    legal_basis: Annotated[str | None, typer.Option("--legal-basis", help="A legal basis, e.g. s251.")] = None,
    store: StoreOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Draw the flow graph as one self-contained HTML page (works offline)."""
    from kg import flows
    from kg import render as rendering

    try:
        opened = stores.open_store(store)
        flow = flows.flow_graph(opened, dataset=dataset, org=org, legal_basis=legal_basis,
                                scope=scope_for(opened, edition, all_editions))
        heading = "Data flows" + (f" ({flow.graph['filters']})" if flow.graph.get("filters") else "")
        rendering.render(flow, out, heading=heading)
    except RegkgError as e:
        raise fail(str(e)) from None
    err.print(f"{out}: {flow.number_of_nodes()} nodes, {flow.number_of_edges()} flows", highlight=False)
    if not flow.number_of_edges():
        err.print(Text("no flows match these filters: check the spelling with `regkg ask --list` queries "
                       "or `regkg orgs`", "yellow"))


@app.command()
def orgs(
    suggest: Annotated[bool, typer.Option("--suggest", help="List likely duplicates among unresolved names, with evidence.")] = False,
    fmt: FormatOpt = None,
    store: StoreOpt = None,
) -> None:
    """Organisations in the store; with --suggest, candidate duplicates to review (never merged)."""
    from kg import orgs as organisations

    try:
        opened = stores.open_store(store)
        result = organisations.suggest(opened) if suggest else organisations.organisations(opened)
    except RegkgError as e:
        raise fail(str(e)) from None
    output.write(result, choose_format(fmt))


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0 picks a free one).")] = 8808,
) -> None:
    """Serve the register as pages (agreements, organisations, datasets, search, tables) and a read-only SPARQL 1.1 endpoint (/sparql)."""
    from kg import web

    try:
        server = web.make_server(store, host, port)
    except RegkgError as e:
        raise fail(str(e)) from None
    except OSError as e:
        raise fail(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    err.print(f"serving {server.url} (SPARQL at {server.url}sparql); Ctrl-C stops", highlight=False)
    web.serve(server)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="An agreement reference (DARS-NIC-…), or any spelling or code of an organisation, dataset, legal basis or purpose.")],
    store: StoreOpt = None,
    edition: EditionOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Print the page of an agreement, organisation, dataset, legal basis or purpose (as `regkg serve` shows it)."""
    from kg.register import Register
    from kg.show import lines

    if fmt not in ("text", "json"):
        raise fail(f"unknown format {fmt!r}; choose text or json")
    try:
        page = Register(store).show(name, edition)
    except RegkgError as e:
        raise fail(str(e)) from None
    if fmt == "json":
        print(json.dumps(page, ensure_ascii=False, indent=1))
    else:
        for line in lines(page):
            print(line)


@app.command()
def demo(store: StoreOpt = None) -> None:
    """Build the bundled sample data and answer three headline questions about it."""
    from kg import demo as demos

    try:
        result, answers = demos.run(store, progress=None)
    except RegkgError as e:
        raise fail(str(e)) from None
    report_warnings(result)
    console = Console(markup=False, highlight=False)
    console.print(f"Built {result.quads} triples from {len(result.sources)} sample sources "
                  f"into {result.store}\n", highlight=False)
    for answer in answers:
        output.write(answer.result, "table", title=answer.question)
    console.print("Next: `regkg ask --list`, `regkg query 'SELECT …'`, `regkg stats`.", highlight=False)


if __name__ == "__main__":
    app()
