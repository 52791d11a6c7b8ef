"""The search edition: a static Pagefind index of every listed year's page, searched in the browser.

Pagefind's extended build segments Chinese into words (the standard build keeps a
run of Han characters as one word, so a search for 芯片 would find nothing inside
a sentence). The pages are rendered here again, in memory, and given to Pagefind
as HTML; only the part marked `data-pagefind-body` (the report itself, without
the timeline's repeated list) is indexed. Only what a search needs is
published: pagefind.js, its worker, the WebAssembly and the index; not
Pagefind's own search interface, which the page replaces with a small script.
"""

from __future__ import annotations

import asyncio

from aireport.editions.site import Site
from aireport.errors import BuildError

FOLDER = "pagefind"
UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")


def render_search(site: Site) -> dict[str, bytes]:
    from aireport.editions.web import page_html

    if not site.reports:
        return {}
    pages = {f"/{report.year}/": page_html(report, site) for report in site.reports}
    try:
        files = asyncio.run(_index(pages))
    except FileNotFoundError as exc:
        raise BuildError(f"search: {exc}; install it with `pip install 'pagefind[extended]'`") from None
    return {f"{FOLDER}/{path}": data for path, data in sorted(files.items())
            if not path.rpartition("/")[2].startswith(UNUSED)}


async def _index(pages: dict[str, str]) -> dict[str, bytes]:
    """The index's files, taken from Pagefind in memory: files it writes itself can still be empty
    when its answer arrives (seen with the WebAssembly file on a busy machine)."""
    from pagefind.index import PagefindIndex

    index = PagefindIndex({"output_path": FOLDER})
    await index._start()  # not `async with`, which would also write the files to disk on leaving
    try:
        for url, html in pages.items():
            await index.add_html_file(content=html, url=url)
        return {file["path"]: file["content"] for file in await index.get_files()}
    finally:
        await index._service.close()


def fingerprint(config) -> str:
    """The index depends on Pagefind's version (and which build: only the extended one segments Chinese)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for package in ("pagefind", "pagefind-bin-extended", "pagefind-bin"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} -")
    return "\n".join(parts)
