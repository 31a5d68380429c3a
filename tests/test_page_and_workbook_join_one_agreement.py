"""The reformatted page of 04V and the workbook record of DARS-NIC-199599-S0T5M give
the same organisation, dataset, legal-basis and purpose nodes (resolution level; fixtures are copies)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kg.extract.purposes import find_purposes
from kg.resolve import Resolver

FIX = Path(__file__).parent / "fixtures" / "resolve"


def _page():
    lines = (FIX / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt").read_text().splitlines()
    org = re.sub(r" projects$", "", lines[2])
    title_line = next(i for i, ln in enumerate(lines, 1) if "DARS-NIC-199599-S0T5M" in ln)
    title = lines[title_line - 1].split(" \u2014 ")[0]
    bases = next(ln for ln in lines if ln.startswith("Legal basis:")).removeprefix("Legal basis:")
    datasets = [m.group(1) for ln in lines if (m := re.match(r"\s+\d+\.\s+(.*)", ln))][:2]
    start = next(i for i, ln in enumerate(lines, 1) if ln == "Invoice Validation")
    end = next(i for i, ln in enumerate(lines, 1) if ln.startswith("Yielded Benefits:"))
    objective = "\n".join(lines[start - 1:end - 1])
    return org, title, title_line, bases, datasets, objective, start


def test_page_and_workbook_give_the_same_nodes():
    r = Resolver.load()
    org, title, title_line, bases, datasets, objective, start = _page()
    record = json.loads((FIX / "dars-nic-199599-s0t5m.json").read_text())
    versions = record["versions"]

    page_org = r.organisation(org)
    wb_orgs = {r.organisation(v["organisation"]).iri for v in versions}
    wb_orgs |= {r.organisation(c).iri for v in versions for c in v["controllers"]}
    title_org = r.organisation(re.search(r"NHS West Leicestershire CCG", title).group(0))
    assert wb_orgs == {page_org.iri} == {title_org.iri} == {"https://w3id.org/regkg/id/org/ods/04V"}

    assert datasets == ["SUS for Commissioners", "Mental Health Services Data Set"]
    page_ds = {r.dataset(d).iri for d in datasets}
    wb_ds = {r.dataset(d["name"]).iri for v in versions for d in v["datasets"]}
    assert page_ds == wb_ds == {"https://w3id.org/regkg/id/dataset/sus-plus",
                                "https://w3id.org/regkg/id/dataset/mhsds"}

    page_lb = {b.iri for b in r.legal_bases(bases)}
    wb_lb = {b.iri for v in versions for d in v["datasets"] for b in r.legal_bases(d["legal_basis"])}
    lb = "https://w3id.org/regkg/id/legal-basis/"
    assert page_lb == wb_lb == {lb + "nhs-act-2006-s251", lb + "hsca-2012-s261-7",
                                lb + "hsca-2012-s261-other-dissemination"}

    page_p = [p.label for p in find_purposes(r, title, objective, "page.txt", start, title_line=title_line)]
    v = versions[-1]
    wb_p = [p.label for p in find_purposes(r, v["title"], v["objective"], "rec.json", 1)]
    assert set(page_p) == set(wb_p) == {"Invoice Validation", "Risk Stratification"}
    assert r.unresolved == {}
