"""`aireport new YEAR`: a draft report from templates/new-report.md."""

from __future__ import annotations

from pathlib import Path

from aireport.errors import AiReportError, display_path
from aireport.report.loader import report_path
from aireport.report.placeholders import TEMPLATE, placeholder
from aireport.project import Project
from aireport.editions.templating import make_environment, render
from aireport.atomic import write_atomic



def new_report(project: Project, year: str) -> Path:
    path = report_path(project.config.issues_dir, year)
    if path.exists():
        raise AiReportError(f"{display_path(path)}: already exists; edit it, or remove it to start over")
    env = make_environment(project.config.templates_dir)
    env.filters["placeholder"] = placeholder
    text = render(env, TEMPLATE, year=int(path.stem))  # report_path took only a year
    write_atomic(path, text.encode("utf-8"))
    return path
