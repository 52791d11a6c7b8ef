"""The PDF booklet, read back from the outside: pages, outline, metadata, table of
contents, links, fonts, text, QR codes, reproducibility and the font pre-flight."""

from __future__ import annotations

import html
import io
import logging
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import weasyprint  # noqa: F401  (loaded before any test points fontconfig elsewhere)
from pypdf import PdfReader

from aireport.editions.booklet import typesetting
from aireport.config import load_config
from aireport.errors import AiReportError, BuildError
from aireport.editions.booklet.addresses import short_url
from aireport.editions.booklet.fetcher import RefusedURL, RestrictedFetcher
from aireport.report.loader import load_report
from aireport.report.model import Cover, Report
from aireport.editions.booklet import prepare as pdf_edition
from aireport.editions.site import Site
from aireport.editions.templating import make_environment
from booklet_measure import read_pages
from conftest import EPOCH, ROOT, make_project

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)
A4 = (210 * MM, 297 * MM)
TOP, BOTTOM = 17 * MM, 18 * MM  # the A5 margins the running header and the page number sit in
NO_LINE_START = "，。、；：？！）》」』】”’"
pytestmark = pytest.mark.slow


def booklet(dist: Path, year: int = 2020) -> Path:
    return dist / str(year) / f"aireport-{year}.pdf"


def reader(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def pdftotext(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages_text(path: Path, top: float = 0, height: float = A5[1]) -> list[str]:
    """Each page's text inside a band of the page (points from the top); pdftotext ends pages with \\f."""
    text = pdftotext(path, "-x", "0", "-y", f"{top:.0f}", "-W", f"{A5[0]:.0f}", "-H", f"{height:.0f}")
    return text.split("\f")[:-1]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(fragment: str) -> str:
    return squeeze(html.unescape(re.sub(r"<[^>]+>", "", fragment)))


def report_texts(report: Report) -> list[str]:
    """Every piece of the report's own text, as a reader sees it."""
    texts = [report.title]
    for section in report.sections:
        texts += [section.title, *(p.html for p in section.paragraphs)]
        items = list(section.items)
        for topic in section.topics:
            texts += [topic.title, *(p.html for p in topic.paragraphs), *(link.title for link in topic.links)]
            items += topic.items
        while items:
            item = items.pop()
            texts += [text for text in (item.label, item.body.html if item.body else None) if text]
            items += item.points
    return [text_of(t) for t in texts]


def outline(pdf: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page number) of every bookmark, in order."""
    entries = []

    def walk(nodes, depth):
        for node in nodes:
            if isinstance(node, list):
                walk(node, depth + 1)
            else:
                entries.append((depth, node.title, pdf.get_destination_page_number(node) + 1))

    walk(pdf.outline, 0)
    return entries


def link_targets(pdf: PdfReader) -> tuple[set[str], set[str]]:
    """The URIs and the internal destinations of every link annotation."""
    uris, destinations = set(), set()
    for page in pdf.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            assert annotation["/Subtype"] == "/Link"
            action = annotation.get("/A")
            if action is not None:
                assert action["/S"] == "/URI"
                uris.add(str(action["/URI"]))
            else:
                destinations.add(str(annotation["/Dest"]))
    return uris, destinations


def render_in(root: Path, year: str = "2020", **overrides) -> bytes:
    """render_booklet on a project folder, as `aireport publish` calls it."""
    config = load_config(root).with_overrides(**overrides)
    report = load_report(config.issues_dir / f"{year}.md")
    site = Site(config, make_environment(config.templates_dir), (report,))
    return pdf_edition.render_booklet(report, site)[site.pdf_path(report.year)]


@pytest.fixture(scope="module")
def real_2020() -> Report:
    return load_report(ROOT / "issues" / "2020.md")


def test_booklet_length_and_size(real_dist, fixture_dist):
    real = booklet(real_dist)
    assert 14 <= len(reader(real).pages) <= 30
    assert real.stat().st_size < 800 * 1024
    assert 6 <= len(reader(booklet(fixture_dist)).pages) <= 12
    assert 10 <= len(reader(booklet(real_dist, 2019)).pages) <= 30


def test_pages_are_a5_by_default(real_dist):
    for page in reader(booklet(real_dist)).pages:
        assert [round(float(v)) for v in page.mediabox[2:]] == [round(A5[0]), round(A5[1])]


def test_outline_has_every_section_and_its_topics(real_dist, real_2020):
    entries = outline(reader(booklet(real_dist)))
    expected = [(0, "目录")]
    for section in real_2020.sections:
        expected.append((0, section.label))
        for topic in section.topics:
            expected.append((1, f"No.{topic.rank} {topic.title}" if topic.rank else topic.title))
    expected.append((0, "来源、致谢与许可"))
    assert [(depth, title) for depth, title, _ in entries] == expected
    pages = [page for _, _, page in entries]
    assert pages == sorted(pages) and pages[0] == 2


def test_metadata_comes_from_the_report(real_dist, real_2020):
    pdf = reader(booklet(real_dist))
    info = pdf.metadata
    assert info["/Title"] == real_2020.title
    assert info["/Author"] == ", ".join(person.name for person in real_2020.authors)
    assert info["/Subject"] == real_2020.summary
    assert info["/Keywords"] == ", ".join(real_2020.keywords)
    assert info["/CreationDate"] == "D:20261123000000+08'00"  # the report's date, not the build's
    assert info["/Creator"].startswith("aireport ")
    assert pdf.trailer["/Root"]["/Lang"] == "zh-CN"


def test_contents_page_numbers_are_the_pages_the_sections_start_on(real_dist, real_2020):
    path = booklet(real_dist)
    pdf = reader(path)
    listed = dict(re.findall(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", pdftotext(path, "-f", "2", "-l", "2", "-layout"), re.M))
    texts = pages_text(path)
    anchors = {section.label: section.anchor for section in real_2020.sections}
    anchors |= {topic.title: topic.anchor for section in real_2020.chapters for topic in section.topics}
    anchors["来源、致谢与许可"] = "sources"
    assert sorted(listed) == sorted(anchors)
    for label, anchor in anchors.items():
        page = int(listed[label])
        assert pdf.get_destination_page_number(pdf.named_destinations[anchor]) + 1 == page, label
        assert squeeze(label) in squeeze(texts[page - 1]), label
    # The first section opens the body on a page of its own; the others follow on.
    first = real_2020.sections[0]
    body = pages_text(path, TOP, A5[1] - TOP - BOTTOM)[int(listed[first.label]) - 1]
    assert squeeze(body).startswith(squeeze(first.label))


def test_running_headers_and_page_numbers(real_dist, real_2020):
    path = booklet(real_dist)
    headers = [squeeze(t) for t in pages_text(path, 0, TOP)]
    footers = [squeeze(t) for t in pages_text(path, A5[1] - BOTTOM, BOTTOM)]
    # The cover and the back cover carry neither: their own foot lines sit low, but end in no page number.
    assert real_2020.title not in headers[0] and not footers[0][-1:].isdigit() and not footers[-1][-1:].isdigit()
    # Blank pages for notes, if any, come just before the back cover, and have no page number either.
    notes = [number for number, text in enumerate(pages_text(path), 1) if squeeze(text) == "笔记"]
    assert notes == list(range(len(footers) - len(notes), len(footers)))
    assert footers[1:len(footers) - len(notes) - 1] == [str(n) for n in range(2, len(footers) - len(notes))]
    assert len(footers) % 4 == 0  # whole folded sheets
    labels = {squeeze(section.label) for section in real_2020.sections} | {"目录", squeeze("来源、致谢与许可")}
    titled = [header for header in headers[1:len(footers) - len(notes) - 1] if header]
    assert titled and all(header in labels | {squeeze(real_2020.title)} for header in titled)
    sections = {squeeze(section.label) for section in real_2020.sections}
    chapter_pages = [number for number, header in enumerate(headers, 1) if header in sections]
    assert chapter_pages and all(number % 2 for number in chapter_pages)  # right-hand pages carry the chapter


def test_links_point_at_the_report_and_the_contents_links_inside(real_dist, real_2020):
    pdf = reader(booklet(real_dist))
    uris, destinations = link_targets(pdf)
    report_urls = {link.url for link in real_2020.links}
    inline = set()
    for section in real_2020.sections:
        for fragment in [p.html for p in section.paragraphs] + [p.html for t in section.topics for p in t.paragraphs]:
            inline |= set(re.findall(r'href="([^"]+)"', html.unescape(fragment)))
    sources = {s.url for s in real_2020.sources if s.url} | {s.image.url for s in real_2020.sources if s.image}
    site = {"https://aireport.example.org/2020/", "mailto:editor@aireport.example.org"}
    assert report_urls <= uris
    assert uris <= report_urls | inline | sources | site
    assert destinations == {s.anchor for s in real_2020.sections} | {"sources"} | {
        t.anchor for s in real_2020.chapters for t in s.topics} | {h[1:] for h in inline if h.startswith("#")}
    assert set(pdf.named_destinations) >= destinations


def test_fonts_are_embedded_subset_simplified_chinese_faces(real_dist):
    listing = subprocess.run(["pdffonts", str(booklet(real_dist))], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert len(listing) >= 2
    for row in listing:
        name, emb, sub, uni = row.split()[0], *row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+aireport-Noto-(Sans|Serif)-CJK-SC(-Bold)?", name), row
        assert "JP" not in name


def test_the_report_text_comes_back_out(real_dist, real_2020):
    body = squeeze("".join(pages_text(booklet(real_dist), TOP, A5[1] - TOP - BOTTOM)))
    missing = [text for text in report_texts(real_2020) if text not in body]
    assert missing == []


def test_no_page_ends_with_a_heading(real_dist, real_2020):
    headings = [squeeze(s.label) for s in real_2020.sections] + [
        squeeze(t.title) for s in real_2020.sections for t in s.topics]
    bodies = [squeeze(text) for text in pages_text(booklet(real_dist), TOP, A5[1] - TOP - BOTTOM)
              if not text.lstrip().startswith("年度时间线")]  # the timeline is a drawing, ending where it ends
    assert [body[-30:] for body in bodies if body.endswith(tuple(headings))] == []


def test_no_line_starts_with_closing_punctuation(real_dist):
    # Lines as laid out (characters on one baseline): pdftotext's own line finding can start
    # a line at a mark set at half width, whose glyph box overlaps the character before it.
    lines = [line.text for page in read_pages(booklet(real_dist), 17, 14) for line in page.lines]
    assert len(lines) > 300
    assert [line for line in lines if line.startswith(tuple(NO_LINE_START))] == []


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) reads the QR codes")
def test_every_video_and_article_link_has_a_qr_code_that_scans(real_dist, real_2020, tmp_path):
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(booklet(real_dist)), str(tmp_path / "page")],
                   check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", *sorted(map(str, tmp_path.glob("*.png")))],
                             capture_output=True, text=True).stdout.split()
    wanted = [link.url for link in real_2020.links if link.kind in ("video", "article", "paper")]
    assert wanted and sorted(scanned) == sorted(wanted + ["https://aireport.example.org/2020/"])


def test_every_link_address_is_printed_for_paper_readers(real_dist, real_2020):
    """In short: no scheme, no www., no tracking parameters; the link keeps the full address."""
    body = squeeze("".join(pages_text(booklet(real_dist), TOP, A5[1] - TOP - BOTTOM)))
    assert [link.url for link in real_2020.links if short_url(link.url) not in body] == []
    assert "youtube.com/watch?v=CSe3_u9P-RM" in body and "pp=" not in body and "https://" not in body


def test_same_report_same_bytes_with_a_cold_or_warm_font_cache(fixture_dist, tmp_path, monkeypatch, caplog):
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with caplog.at_level(logging.WARNING):
        cold = render_in(root)
        warm = render_in(root)
    assert list((tmp_path / "cache" / "aireport" / "fonts").iterdir())
    assert cold == warm == booklet(fixture_dist).read_bytes()
    assert caplog.records == []  # WeasyPrint had nothing to warn about


def test_a4_paper_and_a_cover_image(tmp_path, monkeypatch):
    from PIL import Image

    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    (root / "issues" / "images").mkdir()
    Image.new("RGB", (3000, 2000), (40, 90, 160)).save(root / "issues" / "images" / "cover.jpg", quality=95)
    report_file = root / "issues" / "2020.md"
    report_file.write_text(report_file.read_text(encoding="utf-8").replace(
        "draft: false", "cover:\n  image: images/cover.jpg\n  alt: 蓝色封面\n  credit: 测试摄影\ndraft: false"),
        encoding="utf-8")
    pdf = PdfReader(io.BytesIO(render_in(root, paper="A4")))
    assert [round(float(v)) for v in pdf.pages[0].mediabox[2:]] == [round(A4[0]), round(A4[1])]
    image = pdf.pages[0].images[0]
    assert image.image.width <= 2000  # scaled to 300 dpi for the printed width, not kept at 3000 px
    assert "封面图片：测试摄影" in pdf.pages[0].extract_text()


def test_a_file_outside_the_project_never_reaches_the_pdf(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    config = load_config(root)
    report = load_report(config.issues_dir / "2020.md")
    report = replace(report, cover=Cover(Path("/etc/passwd"), "封面"))
    site = Site(config, make_environment(config.templates_dir), (report,))
    with pytest.raises(BuildError, match=r"^issues/2020\.md: the PDF booklet refers to file:///etc/passwd, "
                                         r"but may only use files in templates/ and issues/"):
        pdf_edition.render_booklet(report, site)


def test_a_template_cannot_fetch_from_the_network(project, cli):
    template = project / "templates" / "pdf" / "booklet.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "<body>", '<body><img src="https://tracker.example/pixel.png">'), encoding="utf-8")
    result = cli("publish", "2020", "--only", "pdf")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: issues/2020.md: the PDF booklet refers to https://tracker.example/pixel.png, but may only use "
        "files in templates/ and issues/; put the file beside the report or remove the reference")
    assert not (project / "dist" / "2020" / "aireport-2020.pdf").exists()


def test_the_fetcher_refuses_links_that_lead_outside_its_folders(tmp_path):
    inside, secret = tmp_path / "issues", tmp_path / "secret.txt"
    inside.mkdir()
    secret.write_text("secret")
    (inside / "ok.txt").write_text("ok")
    (inside / "escape.txt").symlink_to(secret)
    fetcher = RestrictedFetcher((inside,), {"aireport-memory:font.otf": b"OTTO"})
    assert fetcher.fetch((inside / "ok.txt").as_uri()).read() == b"ok"
    assert fetcher.fetch("aireport-memory:font.otf").read() == b"OTTO"
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    for url in ((inside / "escape.txt").as_uri(), (inside / ".." / "secret.txt").as_uri(), secret.as_uri(),
                "file://example.org" + str(inside / "ok.txt"), "http://localhost/", "ftp://example.org/x",
                "aireport-memory:other"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def fonts_conf(tmp_path: Path, *folders: str) -> Path:
    """A fontconfig set-up that sees only `folders`, like a machine without CJK fonts."""
    conf = tmp_path / "fonts.conf"
    dirs = "".join(f"<dir>{folder}</dir>" for folder in folders)
    conf.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
                    f"<fontconfig>{dirs}<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    return conf


DEJAVU = "/usr/share/fonts/truetype/dejavu"
NOTO_SANS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not Path(DEJAVU).is_dir(), reason="needs fonts-dejavu-core as the only other font")
def test_without_a_chinese_font_the_build_stops_with_one_line(project, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("FONTCONFIG_FILE", str(fonts_conf(tmp_path, DEJAVU)))
    result = cli("publish", "2020", "--only", "pdf")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: issues/2020.md:3: no installed font covers Han characters such as 一 (U+4E00)、万 (U+4E07)、"
        "上 (U+4E0A); install a Simplified Chinese font (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk), "
        "or set font_dir in [tool.aireport] to a folder of font files that cover them")
    assert not (project / "dist" / "2020" / "aireport-2020.pdf").exists()


def installed_font_covers(char: str) -> bool:
    return bool(subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True).stdout)


@pytest.mark.skipif(installed_font_covers("𓀀"), reason="a font for Egyptian hieroglyphs is installed")
def test_a_character_no_font_has_is_named_with_its_line(project, cli):
    report_file = project / "issues" / "2020.md"
    report_file.write_text(report_file.read_text(encoding="utf-8").replace(
        "性能比 T4 GPU 高 1.5~3 倍。", "性能比 T4 GPU 高 1.5~3 倍 𓀀。"), encoding="utf-8")
    result = cli("publish", "2020", "--only", "pdf")
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(report_file.read_text(encoding="utf-8").splitlines(), 1) if "𓀀" in text)
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"Error: issues/2020.md:{line}: no installed font covers Egyptian characters such as 𓀀 (U+13000); "
        "install a font for Egyptian")


@pytest.mark.skipif(not NOTO_SANS.is_file(), reason="needs fonts-noto-cjk")
def test_font_dir_fonts_are_used_through_font_face(project, cli, tmp_path, monkeypatch):
    (project / "fonts").mkdir()
    (project / "fonts" / NOTO_SANS.name).symlink_to(NOTO_SANS)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('font_dir = "fonts"\n')
    monkeypatch.setenv("FONTCONFIG_FILE", str(fonts_conf(tmp_path, DEJAVU)))
    result = cli("publish", "2020", "--only", "pdf")
    assert result.exit_code == 0, result.stderr
    fonts = subprocess.run(["pdffonts", str(project / "dist" / "2020" / "aireport-2020.pdf")],
                           capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert [row.split()[0].split("+")[1] for row in fonts] == ["aireport-Noto-Sans-CJK-SC"]


def test_a_missing_font_dir_is_named(project, cli):
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('font_dir = "no-such-fonts"\n')
    result = cli("publish", "2020", "--only", "pdf")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: [tool.aireport] font_dir: no-such-fonts is not a folder"


def test_weasyprint_finds_its_libraries_in_the_ldconfig_cache_without_running_gcc():
    spy = """
import subprocess
commands = []
start = subprocess.Popen.__init__
def recorded(self, args, *rest, **options):
    commands.append(args[0])
    start(self, args, *rest, **options)
subprocess.Popen.__init__ = recorded
from aireport.editions.booklet.typesetting import preload
preload()
print(" ".join(sorted(set(commands))))
"""
    started = subprocess.run([sys.executable, "-c", spy], capture_output=True, text=True, check=True)
    assert started.stdout.split() == ["/sbin/ldconfig"]


def test_a_warning_when_harfbuzz_subsetting_is_missing(monkeypatch, caplog):
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    typesetting._warn_without_harfbuzz_subset.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="aireport"):
            typesetting._warn_without_harfbuzz_subset()
    finally:
        typesetting._warn_without_harfbuzz_subset.cache_clear()
    assert [record.getMessage() for record in caplog.records] == [
        "libharfbuzz-subset is not installed, so WeasyPrint cuts fonts down with fontTools and the PDF takes "
        "about 20 times longer; install it (Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0)"]


def test_no_chinese_font_at_all_is_an_error_not_a_tofu_pdf(tmp_path, monkeypatch):
    from aireport.editions.booklet.fonts import find_fonts

    monkeypatch.setenv("FONTCONFIG_FILE", str(fonts_conf(tmp_path)))
    with pytest.raises(AiReportError, match="^no fonts installed; install a Simplified Chinese font"):
        find_fonts(tmp_path, None)
