"""What a publish is asked to do, parsed from the command line.

Kept free of heavy imports: the command line reads these before it starts the
booklet workers, which it does before importing anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from aireport.errors import AiReportError

EDITIONS = ("web", "feed", "pdf", "email")


@dataclass(frozen=True)
class BuildOptions:
    years: tuple[str, ...] = ()
    all_years: bool = False
    drafts: bool = False
    only: tuple[str, ...] = EDITIONS
    force: bool = False
    jobs: int = 1


def parse_only(value: str | None) -> tuple[str, ...]:
    if not value:
        return EDITIONS
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [name for name in chosen if name not in EDITIONS]
    if unknown or not chosen:
        raise AiReportError(f"--only {value}: unknown edition {', '.join(unknown) or '(none)'}; "
                            f"choose from {','.join(EDITIONS)}")
    return chosen
