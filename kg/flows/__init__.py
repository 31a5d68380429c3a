"""Data flows: who passes which dataset to whom, read from the store and drawn as views.

- :mod:`kg.flows.fetch` — the SPARQL fetching of versions, labels and organisation types;
- :mod:`kg.flows.graph` — the networkx flow graph (one edge per agreement step) and its filters;
- :mod:`kg.flows.analysis` — questions on that graph: the organisation asked about, paths, central
  organisations;
- :mod:`kg.flows.views` — the pictures people read: by dataset, by organisation, by processor, with
  controllers grouped by organisation type and a top-N cut (``docs/flows.md``).
"""

from kg.flows.analysis import FlowPath, asked_orgs, central_organisations, find_nodes, paths
from kg.flows.fetch import Labels, Version, fetch_labels, fetch_versions, select
from kg.flows.graph import SEP, Filters, flow_graph, resolve_filters

__all__ = ["SEP", "Filters", "FlowPath", "Labels", "Version", "asked_orgs", "central_organisations",
           "fetch_labels", "fetch_versions", "find_nodes", "flow_graph", "paths", "resolve_filters", "select"]
