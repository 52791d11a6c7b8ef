"""The e-mail edition: the whole report (or, with `email = "digest"`, a digest that links to the
web page) as inlined HTML, as plain text, and as one .eml message."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

from aireport.editions.email.digest import Digest, make_digest
from aireport.errors import BuildError, display_path
from aireport.report.model import Report
from aireport.editions.email.plaintext import fill
from aireport.editions.site import Site
from aireport.editions.templating import render
from aireport.editions.timeline import timeline_image

# Gmail clips a message body above about 102 KB and hides the rest behind a link;
# the budget leaves room for what a mailing service adds (tracking, footers).
HTML_BUDGET = 80 * 1024
STYLESHEET = "email/style.css"
_FRAGMENT_LINK = re.compile(r'(<a\b[^>]*?\shref=)"#')


def render_email(report: Report, site: Site) -> dict[str, bytes]:
    digest = make_digest(report, site)
    context = {"report": report, "site": site, "digest": digest, "full": site.config.email == "full",
               "language": report.language,
               "timeline": timeline_image(report, site.config.url(site.timeline_path(report.year)))}
    html_path = site.email_path(report.year, "html")
    html = _on_the_web_page(render(site.env, "email/report.html", **context), site.page_url(report.year))
    html = _inline_css(html, render(site.env, STYLESHEET))
    _check_budget(html, site, html_path)
    text = fill(render(site.env, "email/report.txt", **context)).strip("\n") + "\n"
    message = _message(digest, site, text, html)
    return {
        html_path: html.encode("utf-8"),
        site.email_path(report.year, "txt"): text.encode("utf-8"),
        site.email_path(report.year, "eml"): message,
    }


def _on_the_web_page(html: str, page_url: str) -> str:
    """A cross-reference inside the report ("#no-1") leads to its place on the web page: a message
    has no anchors a mail client would follow."""
    return _FRAGMENT_LINK.sub(lambda match: f'{match.group(1)}"{page_url}#', html)


def _inline_css(html: str, css: str) -> str:
    """Move the stylesheet into style="" attributes; the page's own <style> block (@media rules) stays."""
    import css_inline

    inliner = css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=True, extra_css=css,
                                    minify_css=True, load_remote_stylesheets=False)
    return inliner.inline(html).rstrip("\n") + "\n"


def _check_budget(html: str, site: Site, path: str) -> None:
    size = len(html.encode("utf-8"))
    if size > HTML_BUDGET:
        where = display_path(site.config.output_dir / path)
        raise BuildError(f"{where}: {size / 1024:.1f} KB is over the e-mail budget of "
                         f"{HTML_BUDGET // 1024} KB (Gmail clips longer messages); "
                         "shorten the report's topics or items"
                         + ("" if site.config.email == "digest" else
                            ", or set email = \"digest\" in [tool.aireport] to send a summary instead"))


def _message(digest: Digest, site: Site, text: str, html: str) -> bytes:
    from aireport.editions.email.mime import Envelope, UnsafeHeader, build_message

    config = site.config  # its sender was checked with the other settings
    report = digest.report
    host = _ascii_host(urlsplit(config.site_url).hostname or "")
    envelope = Envelope(
        subject=f"{report.title}：{report.subtitle}" if report.subtitle else report.title,
        sender=config.sender,
        date=report.date,
        message_id=f"aireport-{report.year}@{host}",
        unsubscribe=(f"mailto:{config.contact}?subject=unsubscribe", _ascii_url(config.unsubscribe)),
        list_id=f"{config.title} <{host}>",
        language=report.language,
    )
    try:
        return build_message(envelope, text, html)
    except UnsafeHeader as exc:  # the settings and the report were checked; this is the second line of defence
        raise BuildError(f"{display_path(report.path)}: {exc}; fix the report's title or the settings") from None


def _ascii_host(host: str) -> str:
    """A host name as headers carry it: an internationalised one in its xn-- form."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host  # the header check names it


def _ascii_url(url: str) -> str:
    """A URL as a header carries it: xn-- host, percent-encoded path and query."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    netloc = _ascii_host(parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    safe = "/%:@!$&'()*+,;=~-._?"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=safe), quote(parts.query, safe=safe),
                       quote(parts.fragment, safe=safe)))
