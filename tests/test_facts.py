"""Copy-ready facts (issue 12 §4): sentences from the ontology's per-kind templates, dates at their
precision, money in words, uncertain claims hedged, one footnote per source, a plain-text variant."""

from __future__ import annotations

import re

import pytest

from corpgraph import subgraph
from corpgraph.cli import cli
from corpgraph.export import EXPORTERS
from corpgraph.facts import fact_list
from corpgraph.ontology import bundled_ontology
from corpgraph.output.sentences import (
    SPECIAL_PLACEHOLDERS,
    FactRecord,
    date_words,
    figure_words,
    money_words,
    parse_template,
    placeholders,
    sentence,
)
from corpgraph.vocab import CG, local_name


def test_every_kind_has_a_template_whose_placeholders_are_known():
    onto = bundled_ontology()
    assert set(onto.kind_labels) == set(onto.fact_templates), (
        "every relationship kind needs a cg:factTemplate"
    )
    known = {local_name(p) for p in onto.roles | onto.record_fields} | SPECIAL_PLACEHOLDERS
    for kind, template in onto.fact_templates.items():
        parse_template(template)  # balanced
        unknown = placeholders(template) - known
        assert not unknown, f"{local_name(kind)}: unknown placeholders {unknown}"
        assert "{hedge}" in template and "{when}" in template, local_name(kind)


def test_placeholders_include_fallbacks_and_refuse_unbalanced_templates():
    assert placeholders("{when}{pledger} pledged to {commitment|act on {about}}[ and {revision}]") == {
        "when",
        "pledger",
        "commitment",
        "about",
        "revision",
    }
    assert placeholders("{is/was} {noBid?no-bid :}") == {"noBid"}
    with pytest.raises(ValueError, match="unclosed"):
        parse_template("{when")
    with pytest.raises(ValueError, match="unclosed"):
        parse_template("[{when}")


@pytest.mark.parametrize(
    ("text", "words"),
    [("2025-07", "July 2025"), ("2019", "2019"), ("2025-04-11", "11 April 2025"), ("soon", "soon")],
)
def test_dates_read_at_their_precision(text, words):
    assert date_words(text) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (450000000, "450 million"),
        (29898236, "29.9 million"),
        (6000000000, "6 billion"),
        (1250000000, "1.25 billion"),
        (1250, "1,250"),
        (3497.06, "3,497.06"),
        (-3497.06, "minus 3,497.06"),
    ],
)
def test_figures_read_as_newsrooms_write_them(amount, words):
    assert figure_words(amount) == words


def test_money_words_put_the_currency_code_first():
    assert money_words(450000000, "USD") == "USD 450 million"
    assert money_words(170000000000, "USD", "more than") == "more than USD 170 billion"
    assert money_words(1250, "EUR") == "EUR 1,250"
    assert money_words(None, "USD") == ""


def _record(kind: str, certainty: str = "reported", **values) -> FactRecord:
    roles = {k: v for k, v in values.items() if isinstance(v, list)}
    attrs = {k: [v] for k, v in values.items() if not isinstance(v, list)}
    return FactRecord("urn:x", str(CG[kind]), roles, attrs, certainty)


def test_uncertain_claims_are_never_stated_as_fact():
    onto = bundled_ontology()
    hosting = dict(host=["AWS"], system=["ICM"])
    assert sentence(_record("Hosting", "reported", **hosting), onto) == "AWS hosts ICM."
    assert sentence(_record("Hosting", "likely", **hosting), onto) == "AWS likely hosts ICM."
    assert sentence(_record("Hosting", "alleged", **hosting), onto) == "AWS allegedly hosts ICM."
    denied = sentence(_record("Hosting", "denied", **hosting), onto)
    assert denied == "AWS allegedly hosts ICM, a claim that has been denied or contradicted."
    role = _record("Role", "likely", person=["Ann"], organization=["Acme"], title="CEO")
    assert sentence(role, onto) == "Ann is likely the CEO of Acme."


def test_tense_optional_parts_and_fallbacks():
    onto = bundled_ontology()
    past = _record("Role", person=["Jeff Bezos"], organization=["Amazon"], title="CEO", date="2018")
    assert sentence(past, onto) == "In 2018, Jeff Bezos was the CEO of Amazon."
    credit = _record("CreditFacility", lender=["Bank"], borrower=["Prison Co"], date="2025-04-11")
    assert sentence(credit, onto) == "On 11 April 2025, Bank provided a credit facility to Prison Co."
    pledge = _record("Pledge", pledger=["Bank"], about=["Prisons"], startDate="2019", endDate="2021")
    assert sentence(pledge, onto) == "From 2019 to 2021, Bank pledged to act on Prisons."
    asked = _record("CommentRequest", requester=["A"], respondent=["B"], responded=False)
    assert sentence(asked, onto) == "A asked B for comment and received none."
    said = _record("Statement", speaker=["Acme"], text="We did nothing wrong.")
    assert sentence(said, onto) == "Acme said: “We did nothing wrong.”"
    paid = _record(
        "Purchase", buyer=["Amazon"], object=["Film"], attributedTo=["Matt Belloni"], amount=35000000
    )
    assert sentence(paid, onto) == "Amazon paid 35 million for Film, according to Matt Belloni."


@pytest.fixture(scope="module")
def bundled_facts(bundled):
    facts = fact_list(subgraph.select_subgraph(bundled), bundled)
    return {f.sentence: f for f in facts.facts}, facts


@pytest.mark.parametrize(
    "expected",
    [
        "Andy Jassy is the CEO of Amazon.",
        "In July 2025, Citizens Financial Group provided a USD 450 million revolving credit line to GEO Group.",
        "In March 2025, Citizens Financial Group underwrote USD 500 million in bonds for CoreCivic.",
        "In 2018, Jeff Bezos was the CEO of Amazon.",
        "Amazon likely owns Amazon Web Services.",
        "Amazon Web Services likely hosts ImmigrationOS.",
        "Amazon Web Services and Palantir Technologies are partners.",
        "In 2019, BNP Paribas pledged to stop working with the private prison industry.",
        "In August 2025, U.S. Immigration and Customs Enforcement awarded AT&T a no-bid contract worth "
        "USD 11 million (contract value), purpose: data analytics and support services.",
        "Amazon paid USD 35 million for Melania (film) (to promote the film), according to Matt Belloni.",
    ],
)
def test_bundled_graph_reads_as_sentences(bundled_facts, expected):
    assert expected in bundled_facts[0]


def test_bundled_fact_list_has_one_footnote_per_source(bundled_facts):
    _, facts = bundled_facts
    assert len(facts.sources) == 2 and len(facts.facts) > 40
    assert {n for f in facts.facts for n in f.sources} == {1, 2}
    iris = [s["iri"] for s in facts.sources]
    assert len(set(iris)) == len(iris)


def test_markdown_export_reads_as_sentences_and_keeps_quotes_apart(runner):
    args = [
        "export",
        "-f",
        "md",
        "--focus",
        "Citizens Financial Group",
        "--kinds",
        "CreditFacility,BondUnderwriting",
    ]
    text = runner.invoke(cli, args).stdout
    assert (
        "2. In July 2025, Citizens Financial Group provided a USD 450 million revolving credit line to "
        "GEO Group.[^1]" in text.splitlines()
    )
    quotes = [line for line in text.splitlines() if line.startswith("   > “")]
    assert len(quotes) == 2 and all(q.endswith("” — Popular Information") for q in quotes)
    assert len(re.findall(r"^\[\^\d+\]:", text, flags=re.M)) == 1


def test_show_md_prints_sentences(runner):
    text = runner.invoke(cli, ["show", "Andy Jassy", "-f", "md"]).stdout
    assert "- Andy Jassy is the CEO of Amazon.[^1]" in text.splitlines()


def test_plain_text_fact_list_for_email(runner, bundled):
    assert "txt" in EXPORTERS
    text = runner.invoke(
        cli, ["export", "-f", "txt", "--focus", "Citizens Financial Group", "--depth", "1"]
    ).stdout
    lines = text.splitlines()
    assert all(len(line) <= 72 or "https://" in line for line in lines)
    flat = " ".join(text.split())
    assert (
        "In July 2025, Citizens Financial Group provided a USD 450 million revolving credit line to GEO Group. [1]"
        in flat
    )
    assert (
        "[1] The corporate enablers of the ICE crackdown (Popular Information, 2026-01) https://popular.info/"
        in flat
    )
    assert "AT&T" not in text or "AT\\&T" not in text
    assert "\\[" not in text and "[^" not in text  # no Markdown in the email text


def test_an_imported_fiscal_year_sum_reads_as_obligations_not_an_award():
    onto = bundled_ontology()
    fy = _record(
        "Contract",
        "confirmed",
        buyer=["ICE"],
        supplier=["GEO Group"],
        amount=-14166.31,
        currency="USD",
        amountKind="fiscalYearObligation",
        fiscalYear="2025",
        date="2024-10-01",  # the first transaction's date, not the award's
        awardId="70CDCR23FR0000042",
    )
    assert sentence(fy, onto) == (
        "In fiscal year 2025, ICE obligated minus USD 14,166.31 to GEO Group under award 70CDCR23FR0000042."
    )
    curated = _record("Contract", buyer=["ICE"], supplier=["Acme"], noBid=True)
    assert sentence(curated, onto) == "ICE awarded Acme a no-bid contract."
