"""Every namespace kg-builder writes or reads; nothing else spells out a namespace IRI."""

from __future__ import annotations

DEFAULT_BASE_IRI = "https://w3id.org/kg-builder/redarmy/"

KGO = "https://w3id.org/kg-builder/ontology#"
VOCAB = "https://w3id.org/kg-builder/vocab/"
SHAPES = "https://w3id.org/kg-builder/shapes#"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
BIBO = "http://purl.org/ontology/bibo/"
FABIO = "http://purl.org/spar/fabio/"
CITO = "http://purl.org/spar/cito/"
RICO = "https://www.ica.org/standards/RiC/ontology#"
QB = "http://purl.org/linked-data/cube#"
EDTF_DATATYPE = "http://id.loc.gov/datatypes/edtf/EDTF"

# Concept schemes of the controlled vocabularies, one namespace each.
SCHEMES = {
    "event-type": VOCAB + "event-type/",
    "role": VOCAB + "role/",
    "claim-type": VOCAB + "claim-type/",
    "verdict": VOCAB + "verdict/",
}

# Path segment of each record kind under the base IRI.
KIND_PATHS = {
    "person": "person/",
    "organisation": "organisation/",
    "event": "event/",
    "source": "source/",
    "claim": "claim/",
    "citation": "citation/",
}


def prefixes(base_iri: str = DEFAULT_BASE_IRI) -> dict[str, str]:
    """The fixed prefix map of every Turtle and SPARQL text kg-builder writes."""
    data = {kind if kind != "organisation" else "org": base_iri + path
            for kind, path in KIND_PATHS.items()}
    return {
        "kgo": KGO, "etype": SCHEMES["event-type"], "role": SCHEMES["role"],
        "ctype": SCHEMES["claim-type"], "verdict": SCHEMES["verdict"], **data,
        "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "sh": SH,
        "dcterms": DCTERMS, "void": VOID, "dcat": DCAT, "prov": PROV, "schema": SCHEMA,
        "foaf": FOAF, "crm": CRM, "sem": SEM, "bibo": BIBO, "fabio": FABIO, "cito": CITO,
        "rico": RICO, "qb": QB,
    }

# Publishing: dataset descriptions, checksums and versioned ontology IRIs.
SPDX = "http://spdx.org/rdf/terms#"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
PROJECT_IRI = "https://w3id.org/kg-builder/"
ONTOLOGY_IRI = "https://w3id.org/kg-builder/ontology"
ONTOLOGY_VERSIONS = ONTOLOGY_IRI + "/"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"


def metadata_prefixes(base_iri: str = DEFAULT_BASE_IRI) -> dict[str, str]:
    """The prefixes of the dataset description: the fixed map plus SPDX for checksums."""
    return {**prefixes(base_iri), "spdx": SPDX}
