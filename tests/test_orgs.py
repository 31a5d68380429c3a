"""regkg orgs: who takes part, and likely duplicates among unresolved names — listed, never merged."""

from __future__ import annotations

from typer.testing import CliRunner

from kg.cli import app
from kg.resources import samples_dir

PAGE = samples_dir() / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"


def acme_page(tmp_path):
    """The sample page re-addressed to an organisation the vocabulary does not know, with a
    controller spelled differently: two unresolved names that may be one organisation."""
    text = (PAGE.read_text(encoding="utf-8")
            .replace("NHS Leicester, Leicestershire And Rutland Icb - 04v projects", "Acme Health Analytics projects")
            .replace("Sublicensing allowed: No", "Data-controller type: ACME HEALTH ANALYTICS GROUP\n\n"
                     "Sublicensing allowed: No"))
    path = tmp_path / "acme.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_suggest_lists_candidates_with_evidence_and_merges_nothing(tmp_path):
    store = str(tmp_path / "store")
    assert CliRunner().invoke(app, ["build", str(acme_page(tmp_path)), "--store", store]).exit_code == 0
    result = CliRunner().invoke(app, ["orgs", "--suggest", "--format", "csv", "--store", store])
    assert result.output.splitlines() == [
        "name,candidate,reason,evidence,score,target",
        "ACME HEALTH ANALYTICS GROUP,Acme Health Analytics,token overlap: "
        "0.75 of words shared (acme analytics health),,0.75,",
    ]
    listed = CliRunner().invoke(app, ["orgs", "--format", "csv", "--store", store]).output.splitlines()
    assert listed[0] == "organisation,label,code,in_vocabulary,agreements"
    assert sorted(line.split(",", 1)[1] for line in listed[1:]) == [
        "ACME HEALTH ANALYTICS GROUP,,no,1",
        "Acme Health Analytics,,no,1",
        "NHS Midlands and Lancashire Commissioning Support Unit,,yes,1",
    ]
