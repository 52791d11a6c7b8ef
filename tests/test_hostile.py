"""A report full of HTML attacks is published; nothing executable reaches any edition."""

from __future__ import annotations

import email
import html as html_text
import re
import subprocess
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from conftest import DATA, EPOCH, make_project, publish_project
from test_hardening import pdf_uris

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "input", "base", "svg", "frame", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "data", "formaction", "poster", "background"}
ATTACKER = "evil.example"


def site_own(tag: str, attrs: dict) -> bool:
    """The site's own live parts, from its templates: the search box, its script, the drawn timeline and cover."""
    if tag == "script":
        return attrs.get("type") == "module" and re.fullmatch(r"(\.\./)*assets/search-[0-9a-f]{10}\.js", attrs.get("src", "")) is not None
    return (tag, attrs.get("class") or attrs.get("id")) in {
        ("form", "site-search"), ("input", "search-input"), ("svg", "timeline-chart"), ("svg", "cover-art")}


@pytest.fixture(scope="module")
def hostile_dist(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    root = make_project(base / "project", DATA / "hostile")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return publish_project(root, base / "dist", "2020")


class Inspector(HTMLParser):
    """Every live element and attribute of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS and not site_own(tag, dict(attrs)):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.problems.append("<meta http-equiv>")
        if tag == "img" and not dict(attrs).get("src", "").startswith(("https://", "http://", "data:image/")):
            self.problems.append(f"<img src={dict(attrs).get('src')}>")
        self.in_style = tag == "style"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in URL_ATTRIBUTES and value.startswith(("javascript:", "data:text", "vbscript:")):
                self.problems.append(f"{tag} {name}={value[:20]}")
            if ATTACKER in value or "expression(" in value:
                self.problems.append(f"{tag} {name}={value[:40]}")

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style and (ATTACKER in data or "expression(" in data):
            self.problems.append("attacker CSS in <style>")


def live_problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


def html_documents(dist: Path) -> dict[str, str]:
    documents = {str(p.relative_to(dist)): p.read_text(encoding="utf-8") for p in dist.rglob("*.html")}
    message = email.message_from_bytes((dist / "2020" / "email.eml").read_bytes(), policy=policy.default)
    documents["email.eml (html part)"] = message.get_body(("html",)).get_content()
    for feed in ("atom.xml", "rss.xml"):
        text = (dist / feed).read_text(encoding="utf-8")
        for index, (_, content) in enumerate(re.findall(r"<(content|content:encoded|description)[^>]*>(.*?)</\1>", text, re.S)):
            documents[f"{feed} entry {index}"] = html_text.unescape(content.replace("<![CDATA[", "").replace("]]>", ""))
    return documents


def test_no_edition_carries_live_attacks(hostile_dist):
    documents = html_documents(hostile_dist)
    assert len(documents) >= 5
    found = {name: live_problems(html) for name, html in documents.items()}
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_nothing_a_reader_can_follow_points_at_the_attacker(hostile_dist):
    text = (hostile_dist / "2020" / "email.txt").read_text(encoding="utf-8")
    assert ATTACKER not in text and "javascript:" not in text.lower()
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse((hostile_dist / name).read_bytes())
        assert not parsed.bozo, name
        for entry in parsed.entries:
            urls = [link["href"] for link in entry.links] + [entry.link]
            assert all(url.startswith("https://reports.example.org/") for url in urls), urls


def test_the_booklet_has_no_scripts_and_no_attacker_links(hostile_dist):
    pdf = (hostile_dist / "2020" / "aireport-2020.pdf").read_bytes()
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/Launch" not in pdf
    uris = pdf_uris(pdf)  # the objects are compressed: a grep of the bytes finds no /URI at all
    assert uris and all(uri.startswith(("https://", "http://", "mailto:")) and ATTACKER not in uri for uri in uris)
    text = subprocess.run(["pdftotext", str(hostile_dist / "2020" / "aireport-2020.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "正文" in text and "文字" in text
