"""The four real reports: their shape follows the sources, nothing from them is lost, and
they are written in their own words.

The sources are not part of the repository: what the tests know about them is committed
under tests/data/sources/ (see make_facts.py there for how it is made).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from aireport.report.loader import inspect_report, load_report
from aireport.report.urls import url_problem
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("source_facts", ROOT / "tests" / "data" / "sources" / "facts.py")
facts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(facts)

SOURCES = (2019, 2020, 2021, 2022)
# A video the 2019 deck links twice, under two search parameters: the report lists it once.
KEPT_ONCE = {
    "https://www.youtube.com/watch?v=t45S_MwAcOw&pp=ygUSZ29vZ2xlIFRyYW5zZm9ybWVy":
        "https://www.youtube.com/watch?v=t45S_MwAcOw&pp=ygULZ29vZ2xlIEJFUlQ%3D",
}
# Shares of a report's text that may sit in runs copied verbatim from one source.
MAX_SHARE = {facts.K_SHORT: 0.25, facts.K_LONG: 0.10}
# Topics per chapter, slide by slide, as the decks have them.
TOPICS_PER_CHAPTER = {
    2019: [4, 2, 2, 1, 1],
    2020: [3, 3, 2],
    2021: [3, 3, 2, 1, 1],
    2022: [3, 1, 2, 2],
}


def report(year: int):
    return load_report(ROOT / "issues" / f"{year}.md")


@pytest.mark.parametrize("year", SOURCES)
def test_chapters_and_topics_follow_the_deck(year):
    loaded = report(year)
    assert [len(chapter.topics) for chapter in loaded.chapters] == TOPICS_PER_CHAPTER[year]
    assert loaded.closing is not None and (loaded.closing.paragraphs or loaded.closing.items)
    assert [s.number for s in loaded.chapters] == list(range(1, len(TOPICS_PER_CHAPTER[year]) + 1))


def test_2020_has_the_article_ranked_list_note_and_credits():
    loaded = report(2020)
    ranked = loaded.ranked
    assert [entry.rank for entry in ranked.topics] == list(range(10, 0, -1))
    assert all(entry.paragraphs and entry.items for entry in ranked.topics)
    assert ranked.source.title == "2020年人工智能十大技术进展"
    assert [(p.role, p.name) for p in ranked.source.credits] == [("撰文", "全体智源学者"), ("制版编辑", "卢卡斯")]
    assert ranked.source.image.credit == "pixabay.com"
    assert loaded.editors_note.source is ranked.source
    assert loaded.date.year < 2189  # not the article's bogus date
    sections = [section.kind for section in loaded.sections]
    assert sections.index("editors-note") + 1 == sections.index("ranked")


def test_2020_cross_references_what_the_deck_and_the_article_both_cover():
    loaded = report(2020)
    text = (ROOT / "issues" / "2020.md").read_text(encoding="utf-8")
    anchors = {topic.title: topic.anchor for section in loaded.sections for topic in section.topics}
    assert anchors["OpenAI 发布 1750 亿参数的 GPT-3"] == "chapter-1-1"
    assert anchors["AlphaFold2 与 AI 修复历史影像"] == "chapter-1-2"
    for anchor in ("#no-1", "#no-2", "#chapter-1-1", "#chapter-1-2"):
        assert f"]({anchor})" in text, anchor


@pytest.mark.parametrize("year", SOURCES)
def test_publication_date_is_not_before_anything_the_report_describes(year):
    loaded = report(year)
    body = (ROOT / "issues" / f"{year}.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    body = re.sub(r"https?://\S+|<!--.*?-->", " ", body)
    latest = max(int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", body))
    assert loaded.date.year > latest, f"dated {loaded.date:%Y-%m-%d} but describes {latest}"
    assert loaded.updated >= loaded.date


@pytest.mark.parametrize("year", SOURCES)
def test_links_are_well_formed_and_unique_per_topic(year):
    loaded = report(year)
    for section in loaded.sections:
        for topic in section.topics:
            urls = [link.url for link in topic.links]
            assert len(urls) == len(set(urls)), topic.title
            assert [url for url in urls if url_problem(url)] == []


@pytest.mark.parametrize("year", SOURCES)
def test_every_link_of_the_sources_is_kept(year):
    text = (ROOT / "issues" / f"{year}.md").read_text(encoding="utf-8")
    urls = facts.load(year)["urls"]
    assert urls and not set(urls) & facts.NOT_CONTENT
    assert [url for url in urls if url not in text and KEPT_ONCE.get(url) not in text] == []


@pytest.mark.parametrize("year", SOURCES)
def test_report_is_written_in_its_own_words(year):
    """No source's wording is copied: few characters sit in runs of 12 or 20 found in a source."""
    text = facts.normalise(facts.report_text((ROOT / "issues" / f"{year}.md").read_text(encoding="utf-8")))
    for name, source in facts.load(year)["sources"].items():
        for k, limit in MAX_SHARE.items():
            share = facts.verbatim_share(text, source[f"k{k}"], k)
            assert share < limit, f"{year} vs {name}: {share:.1%} of the text in runs of {k}+ characters"


def test_facts_hold_no_source_text_and_stay_small():
    for year in SOURCES:
        path = ROOT / "tests" / "data" / "sources" / f"{year}.json"
        assert path.stat().st_size < 1_000_000
        data = facts.load(year)
        for source in data["sources"].values():
            hashes = source[f"k{facts.K_SHORT}"] | source[f"k{facts.K_LONG}"]
            assert all(re.fullmatch(r"[0-9a-f]{12}", h) for h in hashes)


def test_nothing_reads_the_sources_from_outside_the_repository():
    for folder in ("src", "tests", "tools", "benchmarks"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".toml", ".cfg", ".sh", ".ini", ".txt", ".md"}:
                text = path.read_text(encoding="utf-8", errors="replace")
                for needle in ("shared" + "/seeds", ".." + "/shared", "\"shared\" / \"seeds\""):
                    assert needle not in text, (path, needle)


@pytest.mark.parametrize("year", SOURCES)
def test_every_report_credits_the_deck(year):
    deck = report(year).sources[0]
    assert (deck.author, deck.url) == ("ZOMI", "https://github.com/chenzomi12/AIFoundation")


@pytest.mark.parametrize("year", SOURCES)
def test_reports_check_without_errors(year):
    problems = inspect_report(ROOT / "issues" / f"{year}.md")[1]
    assert [p for p in problems if p.level == "error"] == []


@pytest.mark.parametrize("year", SOURCES)
def test_mentions_of_other_years_are_acknowledged_where_they_stand(year):
    """Every line the checker flags for another year says, in a comment, that the year is meant."""
    path = ROOT / "issues" / f"{year}.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    flagged = [(p.line, re.match(r"mentions (\d{4})", p.message).group(1))
               for p in inspect_report(path)[1] if p.level == "warning" and p.message.startswith("mentions ")]
    for number, other in flagged:
        match = re.search(r"<!-- aireport: allow year ([\d, ]+) -->$", lines[number - 1])
        assert match and other in re.split(r",\s*", match.group(1)), (year, number, other)
    if year == 2022:  # the deck cites a 2023 event: kept, and acknowledged at its line
        line = next(line for line in lines if "2023 年 10 月" in line)
        assert line.endswith("<!-- aireport: allow year 2023 -->")


def test_loading_twice_gives_equal_models():
    assert report(2020) == report(2020)


def test_text_is_clean_of_slide_residue():
    for year in SOURCES:
        text = Path(ROOT / "issues" / f"{year}.md").read_text(encoding="utf-8")
        for residue in ("R153 G0 B0", "LT Medium", "35pt", "细黑体", "Arial", "（续）", "检索词", "[配图]"):
            assert residue not in text, (year, residue)
