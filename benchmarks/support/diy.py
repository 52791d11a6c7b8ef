"""The do-it-yourself pipeline: the outputs of `aireport publish YEAR`, made with the tools a
user would otherwise script together.

- PDF: pandoc --pdf-engine=weasyprint, with the paper size and language a Chinese A5
  booklet needs (pandoc reads the YAML front matter itself);
- web page and feeds: Pelican, the report as the one article of a minimal site
  (default theme; an index page, the article, one Atom and one RSS feed, like
  aireport, and the one category page Pelican always writes; no tag, author or
  archive pages);
- e-mail: the report as HTML (Python-Markdown) with aireport's e-mail stylesheet,
  inlined by premailer, with the Markdown as the plain-text part, as a .eml.

Converting the front matter for Pelican and the e-mail script is done once,
untimed: the pipeline is given that work for free.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from support.measure import Measurement, expect_files, run

PDF_STEP = "pandoc -> WeasyPrint PDF"
WEB_STEP = "Pelican web page + feeds"
EMAIL_STEP = "premailer e-mail"
STEPS = (PDF_STEP, WEB_STEP, EMAIL_STEP)
NEEDS = {PDF_STEP: "pandoc", WEB_STEP: "pelican", EMAIL_STEP: "premailer"}
PAGE_CSS = "@page { size: A5; margin: 17mm 14mm; }\n"
PELICAN_CONF = """\
AUTHOR = {author!r}
SITENAME = {site!r}
SITEURL = {url!r}
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_PAGINATION = False
ARTICLE_URL = "{{slug}}/"
ARTICLE_SAVE_AS = "{{slug}}/index.html"
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "atom.xml"
FEED_ALL_RSS = "rss.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
DIRECT_TEMPLATES = ["index"]
TAG_SAVE_AS = AUTHOR_SAVE_AS = ""
"""


def missing_tools() -> list[str]:
    missing = [] if shutil.which("pandoc") else ["pandoc"]
    return missing + [name for name in ("pelican", "premailer") if importlib.util.find_spec(name) is None]


def install_hint(missing: list[str]) -> str:
    hints = []
    if "pandoc" in missing:
        hints.append("pandoc is not installed (Debian/Ubuntu: apt-get install pandoc)")
    python = [name for name in missing if name != "pandoc"]
    if python:
        verb = "is" if len(python) == 1 else "are"
        hints.append(f"{' and '.join(python)} {verb} not installed (pip install {' '.join(python)})")
    return "; ".join(hints)


class Pipeline:
    """The pipeline's steps for one report, each writing into a fresh folder when called."""

    def __init__(self, report: Path, work: Path, env: dict[str, str], templates: Path) -> None:
        self.report, self.work, self.env = report, work, env
        self.year = report.stem
        self.folders = 0
        meta, body = _split(report.read_text("utf-8"))
        self.site = work / "pelican"
        self.email = work / "email"
        _prepare_pelican(self.site, meta, body)
        _prepare_email(self.email, meta, body, templates / "email" / "style.css")
        (work / "page.css").write_text(PAGE_CSS, "utf-8")

    def steps(self, missing: list[str]) -> dict[str, Callable[[], Measurement]]:
        """The steps whose tool is installed."""
        every = {PDF_STEP: self.pdf, WEB_STEP: self.web, EMAIL_STEP: self.mail}
        return {name: step for name, step in every.items() if NEEDS[name] not in missing}

    def _fresh(self, name: str) -> Path:
        self.folders += 1
        return self.work / f"{name}-{self.folders}"

    def pdf(self) -> Measurement:
        out = self._fresh("pdf")
        out.mkdir()
        command = ["pandoc", str(self.report), "--standalone", "--metadata", "lang=zh-CN",
                   "--css", str(self.work / "page.css"), "--pdf-engine=weasyprint",
                   "-o", str(out / f"{self.year}.pdf")]
        measured = run(command, self.env, self.work)
        expect_files(out, [f"{self.year}.pdf"], "pandoc")
        return measured

    def web(self) -> Measurement:
        out = self._fresh("web")
        command = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py",
                   "-o", str(out), "-q"]
        measured = run(command, self.env, self.site)
        expect_files(out, [f"{self.year}/index.html", "index.html", "atom.xml", "rss.xml"], "Pelican")
        return measured

    def mail(self) -> Measurement:
        out = self._fresh("email")
        script = Path(__file__).resolve().parents[1] / "compare.py"
        measured = run([sys.executable, str(script), "--diy-email", str(self.email), str(out)],
                       self.env, self.work)
        expect_files(out, ["email.html", "email.txt", "email.eml"], "the premailer script")
        return measured


def write_email(source: Path, out: Path) -> None:
    """The e-mail step as a user's script would do it: Markdown to HTML, CSS inlined, one .eml."""
    import logging
    from email.message import EmailMessage
    from html import escape

    import markdown
    from premailer import Premailer

    meta = json.loads((source / "meta.json").read_text("utf-8"))
    body = (source / "body.md").read_text("utf-8")
    title = escape(meta["title"])
    page = (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f'<style>{(source / "style.css").read_text("utf-8")}</style></head>\n'
            f'<body><h1>{title}</h1><p>{escape(meta["summary"])}</p>\n'
            f'{markdown.markdown(body, extensions=["extra"])}\n</body></html>\n')
    html = Premailer(page, allow_network=False, cssutils_logging_level=logging.CRITICAL).transform()
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = meta["title"], meta["sender"], meta["sender"]
    message["Date"] = meta["date"]
    message.set_content(body)
    message.add_alternative(html, subtype="html")
    out.mkdir(parents=True)
    (out / "email.html").write_text(html, "utf-8")
    (out / "email.txt").write_text(body, "utf-8")
    (out / "email.eml").write_bytes(bytes(message))


def _split(text: str) -> tuple[dict, str]:
    """The YAML front matter and the Markdown after it."""
    import yaml

    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body.lstrip("\n")


def _names(people: list) -> list[str]:
    return [person["name"] if isinstance(person, dict) else str(person) for person in people]


def _prepare_pelican(site: Path, meta: dict, body: str) -> None:
    """A minimal Pelican site; the front matter becomes Pelican's `Key: value` header lines."""
    (site / "content").mkdir(parents=True)
    header = {
        "Title": meta["title"], "Date": str(meta["date"]), "Authors": ", ".join(_names(meta["authors"])),
        "Summary": " ".join(meta["summary"].split()), "Tags": ", ".join(map(str, meta.get("keywords", []))),
        "Slug": str(meta["year"]), "Lang": "zh",
    }
    lines = [f"{key}: {value}" for key, value in header.items()]
    (site / "content" / f"{meta['year']}.md").write_text("\n".join(lines) + "\n\n" + body, "utf-8")
    conf = PELICAN_CONF.format(author="aireport", site="AI 年度回顾", url="https://aireport.example.org")
    (site / "pelicanconf.py").write_text(conf, "utf-8")


def _prepare_email(folder: Path, meta: dict, body: str, stylesheet: Path) -> None:
    folder.mkdir(parents=True)
    published = meta["date"]
    if isinstance(published, date) and not isinstance(published, datetime):
        published = datetime.combine(published, time(), timezone(timedelta(hours=8)))
    fields = {"title": meta["title"], "summary": " ".join(meta["summary"].split()),
              "date": format_datetime(published), "sender": "aireport <editor@aireport.example.org>"}
    (folder / "meta.json").write_text(json.dumps(fields, ensure_ascii=False), "utf-8")
    (folder / "body.md").write_text(body, "utf-8")
    shutil.copyfile(stylesheet, folder / "style.css")
