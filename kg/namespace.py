"""Every IRI regkg uses, in one place (vocabulary as code, like rdflib's own namespace modules).

regkg's own terms live under one documented base, ``https://w3id.org/regkg/``:

* ``DUR`` (``https://w3id.org/regkg/dur#``): classes and properties of the register (ontology/regkg.ttl);
* ``ID`` (``https://w3id.org/regkg/id/``): things described by the register — agreements, versions,
  organisations, datasets, legal bases, purposes, source files.  Their IRIs are minted by ``iri_*``
  helpers below, so that the same input always yields the same IRI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

__all__ = [
    "DCAT",
    "DCT",
    "DPV",
    "DPV_GDPR",
    "DPV_HEALTH",
    "DUR",
    "ID",
    "ORG",
    "OWL",
    "PREFIXES",
    "PREFIX_IRIS",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "XSD",
    "slug",
]

BASE = "https://w3id.org/regkg/"
DUR = Namespace(BASE + "dur#")
ID = Namespace(BASE + "id/")
DPV = Namespace("https://w3id.org/dpv#")
DPV_HEALTH = Namespace("https://w3id.org/dpv/sector/health#")
DPV_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
DPV_GB = Namespace("https://w3id.org/dpv/legal/gb#")
DCT = DCTERMS

PREFIXES: dict[str, Namespace] = {
    "dur": DUR,
    "id": ID,
    "dpv": DPV,
    "dpv-health": DPV_HEALTH,
    "eu-gdpr": DPV_GDPR,
    "dpv-gb": DPV_GB,
    "prov": Namespace(str(PROV)),
    "dcat": Namespace(str(DCAT)),
    "org": Namespace(str(ORG)),
    "skos": Namespace(str(SKOS)),
    "dct": Namespace(str(DCT)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
    "owl": Namespace(str(OWL)),
    "sh": Namespace(str(SH)),
}
PREFIX_IRIS: dict[str, str] = {prefix: str(ns) for prefix, ns in PREFIXES.items()}

def slug(text: str) -> str:
    """A lower-case, ASCII, hyphenated form of ``text`` for use in IRIs.

    Typographic characters are folded to their ASCII kin first (``’`` → ``'``) so that the two
    spellings of ``ST GEORGE’S`` give one slug; anything left that is not a letter or digit
    becomes a hyphen.
    """
    if text.isascii() and text.isalnum():  # file references and codes: most slugs of a build
        return text.lower()
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.]+", "-", folded.lower()).strip("-.") or "x"


def short_hash(text: str, length: int = 10) -> str:
    """A stable short digest, for identifiers that must not depend on anything but their input."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def iri_agreement(base_reference: str) -> str:
    return f"{ID}agreement/{base_reference}"


def iri_version(base_reference: str, key: str) -> str:
    return f"{iri_agreement(base_reference)}/{key}"


def iri_source(name: str) -> str:
    return f"{ID}source/{slug(name)}"


def iri_organisation(key: str) -> str:
    return f"{ID}org/{key}"


def iri_dataset(key: str) -> str:
    return f"{ID}dataset/{key}"


def iri_legal_basis(key: str) -> str:
    return f"{ID}legal-basis/{key}"


def iri_purpose(key: str) -> str:
    return f"{ID}purpose/{key}"


def iri_edition(name: str) -> str:
    return f"{ID}edition/{name}"


def iri_graph(name: str) -> str:
    """A named graph regkg keeps itself (not a source file's): ``editions`` holds membership."""
    return f"{ID}graph/{name}"


def iri_release(file_reference: str) -> str:
    return f"{ID}release/{slug(file_reference)}"
