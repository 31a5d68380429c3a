"""``regkg``: a thin typer skin over the library.  Every command is a plain function in ``kg``."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperArgument, TyperGroup

from kg import build as builder
from kg import output, query
from kg import store as stores
from kg.errors import RegkgError
from kg.register import Register


def _no_type(ctx: typer.Context) -> None:
    return None


class OneLineErrors(TyperGroup):
    """The one error handler: whatever a command meets that is the user's to fix (bad input, a name that
    matches nothing, a file that cannot be read or written) ends as one line on stderr and exit 1,
    never a traceback."""

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        """The command, its positional arguments shown by their names alone (SOURCES..., NAME): typer
        would add the Python type (``<list[Path]>``), which means nothing to a user of the command."""
        command = super().get_command(ctx, cmd_name)
        for param in getattr(command, "params", []):
            if isinstance(param, TyperArgument) and param.metavar:
                param.display_type_rich = _no_type  # type: ignore[method-assign]
        return command

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegkgError as e:
            raise fail(str(e)) from None
        except BrokenPipeError:  # `regkg … | head`: the reader has had enough; say nothing more
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except OSError as e:
            raise fail(f"{e.filename}: {e.strerror}" if e.filename and e.strerror else str(e)) from None


app = typer.Typer(help="A knowledge graph of England's NHS data release register.", cls=OneLineErrors,
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode="markdown")
# Register text is hostile: it is printed as plain text, never parsed as rich markup ("[...]" is common).
err = Console(stderr=True, markup=False, highlight=False)
WARNINGS_SHOWN = 20

StoreOpt = Annotated[Path | None, typer.Option(
    "--store", metavar="DIR", help=f"Store folder (default: ${stores.STORE_ENV} or ~/.local/share/regkg/store).")]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", metavar="FORMAT", help="table, csv, tsv or json (default: table on a terminal, csv in a pipe).")]
EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint", metavar="URL", help="Query this SPARQL server (e.g. http://127.0.0.1:7878) instead of the local store.")]
EditionOpt = Annotated[str | None, typer.Option(
    "--edition", metavar="YYYY-MM", help="Answer for this edition (YYYY-MM) instead of the newest.")]
AllEditionsOpt = Annotated[bool, typer.Option(
    "--all-editions", metavar="", help="Answer over every edition the store holds, not just the newest.")]


def _version(shown: bool) -> None:
    if shown:
        print(f"regkg {metadata.version('regkg')}")
        raise typer.Exit()


@app.callback()
def regkg(version: Annotated[bool, typer.Option(
        "--version", metavar="", callback=_version, is_eager=True, help="Print regkg's version and exit.")] = False) -> None:
    """A knowledge graph of England's NHS data release register."""


def fail(message: str) -> typer.Exit:
    err.print(Text.assemble(("error: ", "red"), output.printable(message)), soft_wrap=True)
    return typer.Exit(1)


def choose_format(fmt: str | None) -> str:
    fmt = fmt or output.default_format()
    if fmt not in output.FORMATS:
        raise fail(f"unknown format {fmt!r}; choose one of {', '.join(output.FORMATS)}")
    return fmt


def register(store: Path | None, endpoint: str | None = None, allow_service: bool = False) -> Register:
    """The core object every command asks: the local store, or the SPARQL server --endpoint names."""
    return Register(store, endpoint=endpoint, allow_service=allow_service)


def is_file(argument: str) -> bool:
    """Whether an argument that may be a file name or a query's text names a file (a long query is
    not a name the system can look up)."""
    try:
        return Path(argument).is_file()
    except OSError:
        return False


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
    sources: Annotated[list[Path], typer.Argument(metavar="SOURCES", help="Workbooks (.xlsx or CSV folders), release registers (.csv), pages (.txt/.html), or folders of them.")],
    store: StoreOpt = None,
    add: Annotated[bool, typer.Option("--add", metavar="", help="Add to the existing store instead of replacing it.")] = False,
    strict: Annotated[bool, typer.Option("--strict", metavar="", help="Fail on values, organisations, datasets or legal bases no vocabulary lists.")] = False,
    edition: Annotated[str | None, typer.Option("--edition", metavar="YYYY-MM", help="Edition when the file name has none.")] = None,
    all_warnings: Annotated[bool, typer.Option("--all-warnings", metavar="", help=f"Show every warning, not the first {WARNINGS_SHOWN}.")] = False,
) -> None:
    """Build the store from register sources (a new store is swapped in only if all succeed).

    **Examples**

    ```
    regkg build datausesregister_march2024.xlsx
    regkg build editions/ --store /data/regkg
    regkg build datausesregister_april2024.xlsx --add --store /data/regkg
    regkg build medconfidential-pages/ --strict
    ```
    """
    with err.status("building…") as status:
        result = Register.build(sources, store, add=add, strict=strict, edition=edition,
                                progress=lambda msg: status.update(msg))
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
    """The warning summary: source problems, values never seen before (kept verbatim in the graph),
    then names no vocabulary lists (each minted as its own node) — the first few of each unless
    ``show_all``."""
    shown = result.warnings if show_all else result.warnings[:WARNINGS_SHOWN]
    for warning in shown:
        err.print(Text.assemble(("warning: ", "yellow"), output.printable(warning)))
    if len(shown) < len(result.warnings):
        err.print(f"… and {len(result.warnings) - len(shown)} more warnings (--all-warnings shows them)")
    names = Counter({k: n for k, n in result.unknown_values.items() if k[0] in builder.NAME_KINDS})
    for unknowns, heading in ((result.unknown_values - names, "unknown value(s), kept verbatim"),
                              (names, "unresolved name(s), each minted as its own node")):
        if unknowns:
            err.print(Text(f"{len(unknowns)} {heading}:", "yellow"))
            lines = builder.describe_unknowns(unknowns, None if show_all else WARNINGS_SHOWN)
            if lines[-1].startswith("…"):
                lines[-1] += " (--all-warnings shows them)"
            for line in lines:
                err.print(output.printable(f"  {line}"), soft_wrap=True)


@app.command("query")
def query_cmd(
    sparql: Annotated[str, typer.Argument(metavar="QUERY", help="A SPARQL SELECT/ASK query, or a file holding one ('-' for stdin).")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", metavar="KEY=VALUE", help="key=value binds ?key (a literal, or as a `# param: key (kind)` line in the query says), repeatable.")] = None,
    fmt: FormatOpt = None,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
    allow_service: Annotated[bool, typer.Option("--allow-service", metavar="", help="Let SERVICE clauses send requests to other servers (refused by default).")] = False,
) -> None:
    """Run an ad hoc SPARQL query over every graph in the store, with bound parameters.

    `# EDITION ?v` lines in the query restrict ?v to versions of the chosen edition (docs/history.md).
    The usual prefixes (dur:, dpv:, dct:/dcterms:, skos:, id:, …) need no PREFIX line.

    **Examples**

    ```
    regkg query 'SELECT ?title WHERE { ?a dct:title ?title } LIMIT 5'
    regkg query my-question.rq --param org=04V --format csv > answer.csv
    regkg query 'ASK { ?v dur:usesDataset ?u }' --endpoint http://127.0.0.1:7878
    ```
    """
    text = sys.stdin.read() if sparql == "-" else (
        Path(sparql).read_text(encoding="utf-8") if is_file(sparql) else sparql)
    reg = register(store, endpoint, allow_service)
    result = reg.query(text, params(param), reg.scope(edition, all_editions))
    output.write(result, choose_format(fmt))


@app.command()
def ask(
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="Named query (see --list).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", metavar="KEY=VALUE", help="A parameter's value, repeatable.")] = None,
    list_: Annotated[bool, typer.Option("--list", metavar="", help="List the named queries: the question each answers, its parameters and an example.")] = False,
    fmt: FormatOpt = None,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Run a named query from the library (queries/*.rq) with bound parameters, for the newest edition
    unless --edition or --all-editions says otherwise.

    **Examples**

    ```
    regkg ask --list
    regkg ask processors-of-dataset --param dataset="SUS+"
    regkg ask identifiable-data -p dataset=HES --edition 2024-03 --format csv
    ```
    """
    if list_ or not name:
        output.write(query.catalogue(), choose_format(fmt))
        return
    reg = register(store, endpoint)
    result = reg.ask(name, params(param), reg.scope(edition, all_editions))
    output.write(result, choose_format(fmt), title=query.get_named_query(name).title)


@app.command()
def push(
    endpoint: Annotated[str, typer.Option("--endpoint", metavar="URL", help="SPARQL server, e.g. http://127.0.0.1:7878 (Oxigraph).")],
    graph_store: Annotated[str | None, typer.Option("--graph-store", metavar="URL", help="Graph Store Protocol URL (default: the endpoint's /store, as Oxigraph serves it).")] = None,
    store: StoreOpt = None,
) -> None:
    """Upload every named graph of the store to a SPARQL server (each graph replaced, never duplicated).

    **Examples**

    ```
    oxigraph serve --location /tmp/oxi --bind 127.0.0.1:7878 &
    regkg push --endpoint http://127.0.0.1:7878
    ```
    """
    report = register(store).push(endpoint, graph_store)
    for graph in report.graphs:
        err.print(f"{graph.iri}: {graph.triples} triples", highlight=False, soft_wrap=True)
    err.print(f"pushed {len(report.graphs)} graphs, {report.triples} triples to {report.graph_store} "
              f"in {report.seconds:.1f} s", highlight=False)


@app.command("stats")
def stats_cmd(store: StoreOpt = None, fmt: FormatOpt = None) -> None:
    """Counts of what the store holds, per source graph.

    **Examples**

    ```
    regkg stats
    regkg stats --store /data/regkg --format json
    ```
    """
    result = register(store).stats()
    output.write(result, choose_format(fmt))


@app.command()
def validate(store: StoreOpt = None) -> None:
    """Check the store against the SHACL shapes in ontology/shapes.ttl.

    **Examples**

    ```
    regkg validate
    regkg validate --store /data/regkg
    ```
    """
    report = register(store).validate()
    if not report.conforms:
        typer.echo(report.text)
        raise fail("the store does not conform to the shapes (report above)")
    err.print("valid: the store conforms to the shapes", highlight=False)


@app.command()
def export(
    fmt: Annotated[str, typer.Option(
        "--format", "-f", metavar="FORMAT", help="turtle, nt, jsonld, trig, nquads, or graphml/gexf (the flow graph).")] = "turtle",
    out: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="File to write (default: stdout).")] = None,
    store: StoreOpt = None,
) -> None:
    """Write the graph as RDF, or the flow graph as GraphML/GEXF for Gephi and Cytoscape.

    **Examples**

    ```
    regkg export --format trig -o register.trig
    regkg export --format graphml -o flows.graphml
    ```
    """
    from kg.export import RDF_FORMATS
    from kg.render import NETWORK_FORMATS

    if fmt not in RDF_FORMATS + NETWORK_FORMATS:
        raise fail(f"unknown format {fmt!r}; choose one of {', '.join(RDF_FORMATS + NETWORK_FORMATS)}")
    register(store).export(fmt, out or sys.stdout.buffer)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="Earlier edition, YYYY-MM.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="Later edition, YYYY-MM.")],
    fmt: FormatOpt = None,
    store: StoreOpt = None,
) -> None:
    """Agreements added, removed and amended between two editions, each changed field old → new.

    **Examples**

    ```
    regkg diff 2024-02 2024-03
    regkg diff 2023-03 2024-03 --format csv > year.csv
    ```
    """
    result = register(store).diff(old, new)
    output.write(result, choose_format(fmt), title=f"{old} → {new}")


@app.command()
def history(
    reference: Annotated[str, typer.Argument(metavar="REFERENCE", help="An agreement's reference, e.g. DARS-NIC-199599-S0T5M.")],
    fmt: FormatOpt = None,
    store: StoreOpt = None,
) -> None:
    """An agreement's timeline: editions that listed it, its versions, and what changed in each.

    **Examples**

    ```
    regkg history DARS-NIC-199599-S0T5M
    ```
    """
    result = register(store).history(reference)
    output.write(result, choose_format(fmt), title=f"History of {reference}")


@app.command()
def trace(
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", metavar="DATASET", help="Any label of a dataset, e.g. SUS+.")] = None,
    org: Annotated[str | None, typer.Option("--org", metavar="ORG", help="Any name or ODS code of an organisation.")] = None,
    fmt: FormatOpt = None,
    wide: Annotated[bool, typer.Option("--wide", metavar="", help="Every column in the table (title, route, legal basis, purpose, dates, evidence…).")] = False,
    html_file: Annotated[Path | None, typer.Option("--html", metavar="FILE", help="Also write the flow graph as an HTML page.")] = None,
    store: StoreOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Trace flows: source (NHS England / DSCRO) → controller → processor, per agreement.

    **Examples**

    ```
    regkg trace --dataset "SUS+"
    regkg trace --org 04V --wide
    regkg trace -d HES --org "University of Leeds" --format csv > leeds-hes.csv
    regkg trace --dataset "SUS+" --html sus.html
    ```
    """
    from kg import render
    from kg.flows.analysis import title
    from kg.trace import narrow

    if not dataset and not org:
        raise fail("give --dataset and/or --org")
    reg = register(store)
    rows, flow = reg.trace_flow(dataset, org, reg.scope(edition, all_editions))
    fmt = choose_format(fmt)
    shown = rows if wide or fmt != "table" else narrow(rows, with_dataset=not dataset)
    output.write(shown, fmt, title=title(flow))
    if not rows.rows:
        err.print(Text(f"no flows of {dataset or org!r} in this store", "yellow"))
    if html_file:
        render.render(flow, html_file, heading=title(flow))


@app.command()
def render(
    out: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="File to write (HTML, or GraphML/GEXF with --format).")] = Path("flows.html"),
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", metavar="DATASET", help="Any label of a dataset.")] = None,
    org: Annotated[str | None, typer.Option("--org", metavar="ORG", help="Any name or ODS code of an organisation.")] = None,
    legal_basis: Annotated[str | None, typer.Option("--legal-basis", metavar="BASIS", help="A legal basis, e.g. s251.")] = None,
    view: Annotated[str | None, typer.Option("--view", metavar="VIEW", help="dataset, organisation or processor (default: organisation with --org, else dataset).")] = None,
    max_nodes: Annotated[int, typer.Option("--max-nodes", metavar="N", help="At most this many nodes drawn; the rest in groups that open on click.")] = 60,
    every: Annotated[bool, typer.Option("--all", metavar="", help="Group nothing: every organisation (for GraphML/GEXF).")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="html, graphml or gexf (the same view, for Gephi).")] = "html",
    link_base: Annotated[str | None, typer.Option("--link-base", metavar="URL", help="Link agreements to this URL prefix, e.g. /agreements/.")] = None,
    store: StoreOpt = None,
    edition: EditionOpt = None,
    all_editions: AllEditionsOpt = False,
) -> None:
    """Draw the flows as one self-contained HTML page (works offline), or write that view as GraphML/GEXF.

    **Examples**

    ```
    regkg render --dataset "SUS+" -o sus.html
    regkg render --org "NHS Midlands and Lancashire Commissioning Support Unit" --view processor
    regkg render --dataset HES --all --format gexf -o hes.gexf
    ```
    """
    from kg import render as rendering
    from kg.flows.analysis import title

    if fmt not in ("html", *rendering.NETWORK_FORMATS):
        raise fail(f"unknown format {fmt!r}; choose one of html, {', '.join(rendering.NETWORK_FORMATS)}")
    if max_nodes < 1:
        raise fail(f"--max-nodes expects a number of nodes of at least 1, got {max_nodes}")
    reg = register(store)
    flow = reg.flows(reg.scope(edition, all_editions), dataset=dataset, org=org, legal_basis=legal_basis)
    limit = None if every else max_nodes
    if fmt == "html":
        rendering.render(flow, out, title(flow), limit, view=view, link_base=link_base)
    else:
        drawn = rendering.export_view(flow, fmt, out, limit, view=view)
        err.print(f"{out}: {drawn.number_of_nodes()} nodes, {drawn.number_of_edges()} edges", highlight=False)
        return
    err.print(f"{out}: {flow.number_of_nodes()} nodes, {flow.number_of_edges()} flows", highlight=False)
    if not flow.number_of_edges():
        err.print(Text("no flows match these filters: check the spelling with `regkg ask --list` queries "
                       "or `regkg orgs`", "yellow"))


@app.command()
def orgs(
    suggest: Annotated[bool, typer.Option("--suggest", metavar="", help="List likely duplicates among unresolved names, with evidence.")] = False,
    fmt: FormatOpt = None,
    store: StoreOpt = None,
) -> None:
    """Organisations in the store; with --suggest, candidate duplicates to review (never merged).

    **Examples**

    ```
    regkg orgs --format csv > organisations.csv
    regkg orgs --suggest
    ```
    """
    reg = register(store)
    result = reg.suggest() if suggest else reg.organisations()
    output.write(result, choose_format(fmt))


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on (loopback by default: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port to listen on (0 picks a free one).")] = 8808,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Stop a query that runs longer than this (its worker is replaced).")] = 30.0,
    workers: Annotated[int, typer.Option("--workers", metavar="N", help="Queries run at once, each in its own process.")] = 4,
    allow_service: Annotated[bool, typer.Option("--allow-service", metavar="", help="Let SERVICE clauses send requests to other servers (refused by default).")] = False,
) -> None:
    """Serve the register as pages (agreements, organisations, datasets, search, tables) and a read-only
    SPARQL 1.1 endpoint (/sparql). A store rebuilt while it runs is picked up at the next request.

    **Examples**

    ```
    regkg serve
    regkg serve --store /data/regkg --port 8080 --timeout 60
    curl 'http://127.0.0.1:8808/sparql?query=ASK%7B%7D'
    ```
    """
    from kg import web

    try:
        server = web.make_server(store, host, port, timeout=timeout, workers=workers, allow_service=allow_service)
    except OSError as e:
        raise fail(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    err.print(f"serving {server.url} (SPARQL at {server.url}sparql); Ctrl-C stops", highlight=False)
    web.serve(server)


@app.command()
def show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="An agreement reference (DARS-NIC-…), or any spelling or code of an organisation, dataset, legal basis or purpose.")],
    store: StoreOpt = None,
    edition: EditionOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")] = "text",
) -> None:
    """Print the page of an agreement, organisation, dataset, legal basis or purpose (as `regkg serve` shows it).

    **Examples**

    ```
    regkg show DARS-NIC-199599-S0T5M
    regkg show "NHS Midlands and Lancashire Commissioning Support Unit"
    regkg show "SUS+" --format json
    ```
    """
    from kg.show import lines

    if fmt not in ("text", "json"):
        raise fail(f"unknown format {fmt!r}; choose text or json")
    page = register(store).show(name, edition)
    if fmt == "json":
        print(json.dumps(page, ensure_ascii=False, indent=1))
    else:
        for line in lines(page):
            print(output.printable(line))


@app.command()
def demo(store: StoreOpt = None) -> None:
    """Build the bundled sample data and answer three headline questions about it.

    **Examples**

    ```
    regkg demo
    regkg demo --store /tmp/regkg-demo
    ```
    """
    from kg import demo as demos

    result, answers = demos.run(store, progress=None)
    report_warnings(result)
    console = Console(markup=False, highlight=False)
    console.print(f"Built {result.quads} triples from {len(result.sources)} sample sources "
                  f"into {result.store}\n", highlight=False)
    for answer in answers:
        output.write(answer.result, "table", title=answer.question)
    console.print("Next: `regkg ask --list`, `regkg query 'SELECT …'`, `regkg stats`.", highlight=False)


if __name__ == "__main__":
    app()
