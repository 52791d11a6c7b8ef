"""The four real reports: their shape follows the sources, and nothing from them is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aireport.report.loader import inspect_report, load_report
from aireport.report.urls import url_problem
from conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
SOURCES = {
    2019: ["001_115bcb78ef1a8e19.txt"],
    2020: ["000_1efc6f528e2237e5.txt", "002_01ea0d2feeab90a0.txt"],
    2021: ["004_5dfff2d0ca3106c5.txt"],
    2022: ["003_23f56b0bcbb45a40.txt"],
}
# Topics per chapter, slide by slide, as the decks have them.
TOPICS_PER_CHAPTER = {
    2019: [4, 2, 2, 1, 1],
    2020: [3, 3, 2],
    2021: [3, 3, 2, 1, 1],
    2022: [3, 1, 2, 2],
}
NOT_CONTENT = {
    # The deck footer's URL with the author's name glued on by the extraction.
    "https://github.com/chenzomi12/AIFoundationZOMI",
    # A background tile in the article's inline CSS, decoration rather than content.
    "http://pic.zhishifenzi.com/w/58/zsfz1609416013.6438385.png",
}


def report(year: int):
    return load_report(ROOT / "issues" / f"{year}.md")


@pytest.mark.parametrize("year", sorted(SOURCES))
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
    assert loaded.date.year == 2020  # not the article's bogus 2189


@pytest.mark.parametrize("year", sorted(SOURCES))
def test_links_are_well_formed_and_unique_per_topic(year):
    loaded = report(year)
    for section in loaded.sections:
        for topic in section.topics:
            urls = [link.url for link in topic.links]
            assert len(urls) == len(set(urls)), topic.title
            assert [url for url in urls if url_problem(url)] == []


@pytest.mark.parametrize("year", sorted(SOURCES))
def test_every_link_of_the_sources_is_kept(year):
    text = (ROOT / "issues" / f"{year}.md").read_text(encoding="utf-8")
    urls = set()
    for name in SOURCES[year]:
        urls |= set(re.findall(r"https?://[^\s<>\"'()\[\]]+", (SEEDS / name).read_text(encoding="utf-8")))
    assert urls, "the seeds were not found beside the project"
    assert sorted(urls - NOT_CONTENT - {u for u in urls if u in text}) == []


@pytest.mark.parametrize("year", sorted(SOURCES))
def test_every_report_credits_the_deck(year):
    deck = report(year).sources[0]
    assert (deck.author, deck.url) == ("ZOMI", "https://github.com/chenzomi12/AIFoundation")


@pytest.mark.parametrize("year", sorted(SOURCES))
def test_reports_check_without_errors(year):
    problems = inspect_report(ROOT / "issues" / f"{year}.md")[1]
    assert [p for p in problems if p.level == "error"] == []


def test_later_events_stay_visible_as_warnings():
    warnings = [p.message for p in inspect_report(ROOT / "issues" / "2022.md")[1] if p.level == "warning"]
    assert any(message.startswith("mentions 2023, later than") for message in warnings)


def test_loading_twice_gives_equal_models():
    assert report(2020) == report(2020)


def test_text_is_clean_of_slide_residue():
    for year in SOURCES:
        text = Path(ROOT / "issues" / f"{year}.md").read_text(encoding="utf-8")
        for residue in ("R153 G0 B0", "LT Medium", "35pt", "细黑体", "Arial"):
            assert residue not in text, (year, residue)
