"""The flagship graph, built once per session from facts/: it conforms, every quote is in the
seeds, and every canned query answers what the seed texts say (expected values are written
from the seeds, with the line that says so)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from kg_builder import build, open_project, query
from kg_builder.dates import parse_edtf
from kg_builder.evidence import check_evidence, iter_evidence, load_seeds, normalise, thesis_part
from kg_builder.loading import load_facts
from kg_builder.store import store_from
from kg_builder.terms import Literal

from .conftest import REPO, needs_seeds, seeds_dir

pytestmark = needs_seeds

DEFENDANTS = {  # thesis line 101
    "tukhachevskii", "iakir", "uborevich", "feldman", "eideman", "kork", "primakov", "putna"}


@pytest.fixture(scope="session")
def flagship(tmp_path_factory):
    out = tmp_path_factory.mktemp("flagship") / "build"
    project = open_project(REPO, build=out, seeds=seeds_dir())
    result = build(project)
    return project, result


@pytest.fixture(scope="session")
def facts():
    return load_facts(REPO / "facts")


def ask(project, query_name: str, **params: str) -> list[dict[str, str]]:
    result = query(project, query_name, params)
    return [{k: (v.value if isinstance(v, Literal) else v) for k, v in row.items()}
            for row in result.rows]


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def test_the_flagship_builds_and_conforms(flagship):
    _, result = flagship
    assert result.written, "the flagship graph does not conform"
    assert result.report.count("Violation") == 0
    assert result.records > 3000 and result.triples > 50000


def test_every_quote_is_in_the_seeds_word_for_word(facts):
    seeds = load_seeds(seeds_dir())
    assert check_evidence(facts, seeds) == []
    assert sum(1 for _ in iter_evidence(facts)) > 4000


# -- people and careers ---------------------------------------------------------------------

def test_trial_defendants_and_their_fates(flagship):
    project, _ = flagship
    fates: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in ask(project, "trial-defendants"):
        fates[local(row["defendant"])][row["fate"]].add(row["date"])
    assert set(fates) == DEFENDANTS
    for person in DEFENDANTS:
        assert fates[person]["sentence"] == {"1937-06-11"}, person      # line 101
        assert fates[person]["execution"] == {"1937-06-12"}, person     # line 2977
        assert fates[person]["rehabilitation"] == {"1957-01"}, person   # line 109
    assert fates["kork"]["arrest"] == {"1937-05-14"}                    # line 2827
    assert fates["feldman"]["arrest"] == {"1937-05-15"}                 # line 2827
    assert fates["putna"]["arrest"] == {"1936-08-20"}                   # line 2427


def test_trial_defendants_name_the_sources_the_thesis_cites(flagship):
    project, _ = flagship
    rows = ask(project, "trial-defendants")
    kork = [r for r in rows if local(r["defendant"]) == "kork" and r["fate"] == "arrest"]
    assert "voenno-fashistskii zagovor" in kork[0]["sources"]          # footnote 109, ch. 5


def test_person_timeline_is_in_date_order(flagship):
    project, _ = flagship
    rows = ask(project, "person-timeline", person="kork")
    events = [(r["date"], r["type"]) for r in rows]
    assert ("1937-05-14", "arrest") in events and ("1937-06-12", "execution") in events
    assert events.index(("1937-05-14", "arrest")) < events.index(("1937-06-12", "execution"))


def test_person_career_gives_ranks(flagship):
    project, _ = flagship
    titles = {r["title"] for r in ask(project, "person-career", person="tukhachevskii")}
    assert "Marshal" in titles or "Marshal of the Soviet Union" in titles    # line 101


def test_posts_held_lists_holders_and_titles(flagship):
    project, _ = flagship
    rows = ask(project, "posts-held")
    assert any(r["name"] == "Nikolai Ezhov" and "NKVD" in r["title"] for r in rows)


def test_find_person_by_any_spelling(flagship):
    project, _ = flagship
    for spelling in ("Yakir", "Iakir"):                  # article line 37 / thesis line 101
        assert [local(r["person"]) for r in ask(project, "find-person", name=spelling)] == ["iakir"]


def test_organisation_people(flagship):
    project, _ = flagship
    names = {r["name"] for r in ask(project, "organisation-people", organisation="nkvd")}
    assert "Nikolai Ezhov" in names


def test_co_defendants_of_june_1937_are_all_28_pairs(flagship):
    project, _ = flagship
    pairs = [r for r in ask(project, "co-defendants") if r["date"] == "1937-06-11"]
    assert len(pairs) == 28


def test_historians_never_take_part_in_events(flagship):
    project, _ = flagship
    store = store_from(files=[project.build_dir / "kg.nt"])
    rows = store.select("""PREFIX kgo: <https://w3id.org/kg-builder/ontology#>
        SELECT ?h WHERE { ?e kgo:participant ?h . ?h a kgo:Historian }""").rows
    assert rows == []
    historians = store.select("""PREFIX kgo: <https://w3id.org/kg-builder/ontology#>
        SELECT ?h WHERE { ?h a kgo:Historian }""").rows
    assert len(historians) > 150


# -- events and timelines -------------------------------------------------------------------

def test_events_between_may_and_june_1937(flagship):
    project, _ = flagship
    rows = ask(project, "events-between", **{"from": "1937-05-01", "to": "1937-06-30"})
    assert all("1937-05-01" <= r["earliest"] <= "1937-06-30" for r in rows)
    earliest = [r["earliest"] for r in rows]
    assert earliest == sorted(earliest)
    ids = {local(r["event"]) for r in rows}
    assert {"trial-military-1937-06-11", "execution-military-1937-06-12"} <= ids
    assert any(r["date"] == "1937-05-31" and r["type"] == "suicide" for r in rows)   # line 2901


def test_events_in_year(flagship):
    project, _ = flagship
    rows = ask(project, "events-in-year", year="1937")
    assert rows and all(r["date"].startswith("1937") for r in rows)
    assert "trial-military-1937-06-11" in {local(r["event"]) for r in rows}


def test_events_by_type(flagship):
    project, _ = flagship
    rows = ask(project, "events-by-type", type="trial")
    assert any(local(r["event"]) == "trial-military-1937-06-11" for r in rows)


def test_arrests_by_year_counts_1937(flagship):
    project, _ = flagship
    counts = {int(r["year"]): int(r["arrests"]) for r in ask(project, "arrests-by-year")}
    assert counts[1937] >= 8            # the six defendants arrested in May 1937 and others


def test_letters_and_reports_name_author_and_recipient(flagship):
    project, _ = flagship
    rows = ask(project, "letters-and-reports")
    # line 2473: Budennyi "sent Voroshilov a letter on 22 August" (1936)
    assert any(r["date"] == "1936-08-22" and "Budennyi" in (r["author"] or "")
               and "Voroshilov" in (r["recipient"] or "") for r in rows)


# -- sources and archives -------------------------------------------------------------------

def test_sources_for_a_record(flagship):
    project, _ = flagship
    rows = ask(project, "sources-for", record="arrest-kork-1937-05-14")
    assert any("voenno-fashistskii zagovor" in r["sourceLabel"] for r in rows)


def test_fond_files_list_every_delo_of_fond_37837(flagship):
    project, _ = flagship
    labels = {r["label"] for r in ask(project, "fond-files", fond="source:rgva-f37837")}
    # the bibliography lists 27 delos of RGVA f. 37837 (thesis lines 3319-3325)
    assert len(labels) >= 27
    assert "RGVA, f. 37837, op. 21, d. 107" in labels
    opis = {r["label"] for r in ask(project, "fond-files", fond="source:rgva-f37837-op21")}
    assert len(opis) >= 15 and opis < labels       # op. 21 lists 15 delos (thesis line 3325)


def test_citations_per_fond(flagship):
    project, _ = flagship
    rows = ask(project, "citations-per-fond")
    assert {"RGVA, f. 37837", "RGASPI, f. 17", "TNA KV 2"} <= {r["label"] for r in rows}


def test_statements_resting_on_one_file(flagship):
    project, _ = flagship
    rows = ask(project, "statements-on-file", source="rgva-f37837-op21-d107")
    assert len(rows) > 5


def test_historian_works(flagship):
    project, _ = flagship
    titles = {r["title"] for r in ask(project, "historian-works", historian="getty-j-a")}
    assert any(t and t.startswith("The Road to Terror") for t in titles)     # line 3500s


def test_shared_sources_of_article_and_thesis(flagship):
    project, _ = flagship
    shared = {local(r["source"]) for r in ask(project, "shared-sources")}
    assert "zdanovich-2008-organy" in shared      # '(Zdanovich 2008, p. 383)' in the article


# -- claims and historiography --------------------------------------------------------------

def test_the_plot_is_an_accusation_judged_fabricated(flagship):
    project, _ = flagship
    rows = ask(project, "accusations-against", person="tukhachevskii")
    assert any(r["type"] == "accusation" and r["verdict"] == "fabricated" for r in rows)


def test_claims_with_verdict_fabricated(flagship):
    project, _ = flagship
    rows = ask(project, "claims-with-verdict", verdict="verdict:fabricated")
    assert any("plot" in r["statement"].lower() for r in rows)
    assert all(r["judge"] for r in rows)


def test_claims_by_claimant(flagship):
    project, _ = flagship
    rows = ask(project, "claims-by-claimant")
    assert any(r["claimant"] == "Avgust Kork" for r in rows)


def test_who_accused_whom(flagship):
    project, _ = flagship
    rows = ask(project, "who-accused-whom")
    assert any(r["accused"] == "M. N. Tukhachevskii" for r in rows)


def test_historians_positions(flagship):
    project, _ = flagship
    rows = ask(project, "historians-positions")
    assert any(r["historian"] == "Peter James Whitewood" for r in rows)
    assert len({r["historian"] for r in rows}) > 10


# -- statistics -----------------------------------------------------------------------------

def test_competing_purge_figures_stand_side_by_side(flagship):
    project, _ = flagship
    values = {float(r["value"]) for r in ask(project, "figures-for-measure", measure="discharged")}
    assert {34301, 33460, 36761, 38352} <= values          # thesis lines 3175, 3177


def test_figures_name_who_gives_them(flagship):
    project, _ = flagship
    rows = ask(project, "figures")
    assert all(r["claimant"] for r in rows) and len(rows) > 50


# -- data quality ---------------------------------------------------------------------------

def test_quality_events_without_source(flagship):
    project, _ = flagship
    ids = {local(r["event"]) for r in ask(project, "quality-events-without-source")}
    assert "execution-military-1937-06-12" in ids     # neither text cites a source for it
    assert "arrest-kork-1937-05-14" not in ids


def test_quality_people_without_dates(flagship):
    project, _ = flagship
    ids = {local(r["person"]) for r in ask(project, "quality-people-without-dates")}
    assert not ids & DEFENDANTS


def test_quality_accusations_without_verdict(flagship):
    project, _ = flagship
    rows = ask(project, "quality-accusations-without-verdict")
    assert rows and not any("military-fascist plot" in r["statement"] and
                            r["claimant"] == "closed military court" for r in rows)


def test_evidence_of_a_record(flagship):
    project, _ = flagship
    rows = ask(project, "evidence", record="tukhachevskii")
    assert any(r["line"] == "101" and r["seed"] == "The Red Army and the Terror" for r in rows)


# -- sources and citations (the bibliography and every footnote) ----------------------------

def _bibliography() -> list[str]:
    lines = (seeds_dir() / "000_19f3f272fd45012b.txt").read_text(encoding="utf-8").splitlines()
    return lines[3288:]


def _count_bibliography() -> dict[str, int]:
    """Count the bibliography's entries from the seed itself: each delo is one entry."""
    counts: dict[str, int] = defaultdict(int)
    section = "archival"
    headings = {"National Archives": "tna", "Newspapers": "newspaper",
                "Document Collections": "collection", "Unpublished PhD Theses": "thesis",
                "Books and Journal Articles": "publication"}
    archival = " ".join(lines for lines in _bibliography() if re.match(r"^\s*(f\.|\d)", lines))
    counts["archival"] = sum(len(re.findall(r"\d+[a-z]?", group))
                             for group in re.findall(r"d\. ([\d; a-z]+)", archival))
    for line in _bibliography():
        text = line.strip()
        if text in headings:
            section = headings[text]
        elif text and section != "archival" and not text.startswith("Rossiiskii"):
            counts[section] += 1
    return counts


def test_every_bibliography_entry_is_a_source_record(facts):
    seed_counts = _count_bibliography()
    in_bibliography = [r for r in facts.of_kind("source")
                       if r.data.get("in_bibliography", not r.data.get("seed_file"))]
    archival = [r for r in in_bibliography if r.data["type"] == "archival-unit"]
    assert len(archival) == seed_counts["archival"] + seed_counts["tna"] == 102
    publications = len(in_bibliography) - len(archival)
    assert publications == sum(seed_counts[k] for k in ("newspaper", "collection", "thesis",
                                                        "publication"))
    entries = {normalise(str(r.data.get("entry", ""))) for r in in_bibliography}
    for line in _bibliography():
        text = normalise(line.strip().removeprefix("- "))
        if text.startswith(("f. ", "National Archives")) or text[:1].isdigit() or text in (
                "Newspapers", "Document Collections", "Unpublished PhD Theses",
                "Books and Journal Articles", "") or text.startswith(("Rossiiskii", "Bibliography")):
            continue
        if text.startswith("TNA"):
            continue
        assert text in entries, f"bibliography entry without a record: {text[:80]}"


def test_every_thesis_footnote_is_a_citation_record(facts):
    marker = re.compile(r"^([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
    digits = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
    lines = (seeds_dir() / "000_19f3f272fd45012b.txt").read_text(encoding="utf-8").splitlines()
    in_seed = {(thesis_part(n), int(m[1].translate(digits)))
               for n, line in enumerate(lines, start=1)
               if (m := marker.match(line)) and thesis_part(n) not in (None, "bibliography")}
    records = {(str(r.data.get("chapter") or thesis_part(r.data["line"])), r.data["footnote"])
               for r in facts.of_kind("citation") if r.data["seed"] == "thesis"}
    assert len(in_seed) == 933
    assert records == in_seed


def test_footnote_citations_resolve_to_sources(facts):
    citations = [r for r in facts.of_kind("citation") if r.data["seed"] == "thesis"]
    citing = [r for r in citations if r.data.get("cites")]
    notes = [r for r in citations if r.data.get("note")]
    assert len(citing) + len(notes) >= len(citations)
    for record in citing:
        for cited in record.data["cites"]:
            assert facts.by_id[cited["source"]].kind == "source"


def test_historians_are_kept_apart_from_actors(facts):
    conquest = facts.by_id["conquest-r"]
    assert conquest.data.get("role") == "historian"


# -- questions of the three curated parts -----------------------------------------------------

def test_operation_vesna_arrests(flagship):
    project, _ = flagship
    people = {local(r["person"]) for r in ask(project, "operation-arrests",
                                              operation="event:operation-vesna")}
    assert {"kakurin", "troitskii"} <= people          # thesis lines 1807-1831


def test_testimony_chain_naming_trotskyists(flagship):
    project, _ = flagship
    rows = ask(project, "testimony-chain", text="Trotskyist")
    assert any(r["testifier"] == "R. Pickel" and r["named"] == "Dreitser" for r in rows)
    earliest = [parse_edtf(r["date"]).earliest for r in rows if r["date"]]
    assert len(earliest) > 3 and earliest == sorted(earliest)


def test_what_was_said_about_rovs(flagship):
    project, _ = flagship
    rows = ask(project, "claims-about", record="org:rovs")
    assert any("60,000-80,000" in r["statement"] for r in rows)


def test_cheka_targets_1918_1921(flagship):
    project, _ = flagship
    rows = ask(project, "political-police-claims", **{"from": "1918-01-01", "to": "1921-12-31"})
    assert any(r["target"] == "Ioakhim Vatsetis" and r["date"] == "1919-07" for r in rows)
    assert all(r["date"][:4] in ("1918", "1919", "1920", "1921") for r in rows if r["date"])


def test_claims_mentioning_betrayal(flagship):
    project, _ = flagship
    rows = ask(project, "claims-mentioning", text="betray")
    assert any(r["claimant"] == "K. E. Voroshilov" for r in rows)


def test_fates_of_1937_1938(flagship):
    project, _ = flagship
    rows = {(r["name"], r["fate"], r["date"]) for r in ask(
        project, "fates", **{"from": "1937-01-01", "to": "1938-12-31"})}
    assert ("Avgust Kork", "execution", "1937-06-12") in rows               # line 2977
    assert any(fate == "suicide" and date == "1937-05-31" for _, fate, date in rows)  # 2901


def test_statements_both_seeds_make(flagship):
    project, _ = flagship
    rows = ask(project, "article-and-thesis")
    assert rows and all(r["thesisLine"] and r["articleLine"] for r in rows)


def test_the_article_is_a_source_with_its_author_and_headings(flagship):
    project, _ = flagship
    store = store_from(files=[project.build_dir / "kg.nt"])
    rows = store.select("""PREFIX kgo: <https://w3id.org/kg-builder/ontology#>
        SELECT ?author ?heading WHERE { ?a a kgo:SeedText, kgo:Article ;
          kgo:author/kgo:name ?author ; kgo:sectionHeading ?heading }""").rows
    headings = sorted(row["heading"].value for row in rows)
    assert {row["author"].value for row in rows} == {"Peter James Whitewood"}
    assert headings[1] == "2. Army Subversion in the Civil War and the 1920s"   # article line 72
    assert len(headings) == 5


def test_article_citations_link_to_source_records(facts):
    linked = [e for record, e in iter_evidence(facts)
              if e["seed"] == "article" and e.get("source")]
    assert len(linked) > 100
    assert all(facts.by_id[e["source"]].kind == "source" for e in linked)


def test_the_committed_dump_is_current(flagship):
    """build/kg.ttl in git is what the facts give today, byte for byte, on this machine too."""
    project, _ = flagship
    committed = REPO / "build" / "kg.ttl"
    if not committed.exists():
        pytest.skip("no committed build/kg.ttl in this checkout")
    fresh = (project.build_dir / "kg.ttl").read_bytes()
    assert committed.read_bytes() == fresh, (
        "build/kg.ttl is stale: run 'kg-builder build' and commit build/")


def test_citation_labels_name_a_thesis_part_only_for_the_thesis(flagship):
    project, _ = flagship
    labels = {line.split('"')[1] for line in (project.build_dir / "kg.nt").read_text().splitlines()
              if "/citation/" in line.split(" ", 1)[0] and "rdf-schema#label" in line}
    article = {label for label in labels if label.startswith("article")}
    thesis = {label for label in labels if label.startswith("thesis")}
    assert article and thesis
    assert all(label.startswith("article, n. ") for label in article)
    assert all(label.split(",")[0] != "thesis" for label in thesis)
    assert "article, n. 1" in article and "None" not in " ".join(labels)
