"""What a publish is asked to do, parsed from the command line.

Kept free of heavy imports: a publish reads these before it starts its
workers, which it does before importing anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from aireport.editions import NAMES


@dataclass(frozen=True)
class BuildOptions:
    years: tuple[str, ...] = ()  # the years asked for; none: the whole site
    drafts: bool = False
    only: tuple[str, ...] = NAMES
    force: bool = False  # render the asked years (all, without years) even when up to date
    jobs: int = 1
    # With years: also build what the other listed years are missing, and remove the folders of years no
    # longer listed, so the output folder is a complete site. A preview of some years turns this off.
    whole_site: bool = True
