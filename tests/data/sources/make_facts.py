"""Regenerate the committed facts about the source documents (tests/data/sources/YEAR.json).

Run by hand by an editor who has the source documents, naming their folder:

    python tests/data/sources/make_facts.py /path/to/sources

The folder must hold the files listed in SOURCES below (slide-deck text
extractions and one saved HTML article). For each year the script writes
YEAR.json beside itself with:

* "urls": every URL of that year's sources, in order, minus the decoration
  listed in facts.NOT_CONTENT;
* "sources": for each source file, the sorted truncated SHA-256 hashes of every
  12- and 20-character run of its normalised text (facts.normalise), which the
  tests use to measure how much of a report is copied verbatim, without the
  repository holding the sources' text.

There is no default folder: the sources are not part of the repository.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import facts  # noqa: E402

SOURCES = {
    2019: {"deck": "001_115bcb78ef1a8e19.txt"},
    2020: {"deck": "000_1efc6f528e2237e5.txt", "article": "002_01ea0d2feeab90a0.txt"},
    2021: {"deck": "004_5dfff2d0ca3106c5.txt"},
    2022: {"deck": "003_23f56b0bcbb45a40.txt"},
}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    folder = Path(argv[1])
    for year, files in SOURCES.items():
        urls: list[str] = []
        sources = {}
        for name, filename in files.items():
            raw = (folder / filename).read_text(encoding="utf-8")
            urls += [url for url in facts.source_urls(raw) if url not in urls]
            norm = facts.normalise(facts.source_text(raw))
            sources[name] = {
                "file": filename,
                "chars": len(norm),
                f"k{facts.K_SHORT}": sorted(facts.gram_hashes(norm, facts.K_SHORT)),
                f"k{facts.K_LONG}": sorted(facts.gram_hashes(norm, facts.K_LONG)),
            }
        out = facts.HERE / f"{year}.json"
        out.write_text(json.dumps({"year": year, "urls": urls, "sources": sources}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print(f"{out.name}: {len(urls)} URLs, " + ", ".join(f"{n} {s['chars']} chars" for n, s in sources.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
