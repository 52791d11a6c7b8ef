"""The one Jinja2 environment every edition renders with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2

from aireport.editions.typography import keep_together
from aireport.errors import AiReportError, display_path


def make_environment(templates_dir: Path) -> jinja2.Environment:
    if not templates_dir.is_dir():
        raise AiReportError(f"{display_path(templates_dir)}: templates folder not found")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["zh_date"] = zh_date
    env.filters["keep_together"] = keep_together
    env.filters["kb"] = lambda size: f"{size / 1024:.0f} KB"
    return env


def render(env: jinja2.Environment, name: str, **context) -> str:
    """Render a template; template mistakes become one `templates/…:LINE: message` line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise AiReportError(f"{_template_path(exc.filename or exc.name or name)}:{exc.lineno}: "
                            f"{exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise AiReportError(f"templates/{exc.name}: template not found") from None
    except Exception as exc:
        where = _failing_template(exc)
        if where is None:
            raise
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        raise AiReportError(f"{where}: {message}") from None


def zh_date(value: datetime) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _template_path(filename: str) -> str:
    return display_path(Path(filename)) if "/" in filename else f"templates/{filename}"


def _failing_template(exc: Exception) -> str | None:
    """`templates/…:LINE` of the innermost template frame, or None for an error in our code."""
    tb, where = exc.__traceback__, None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if tb.tb_frame.f_globals.get("__jinja_template__") is not None or _is_template_file(filename):
            where = f"{display_path(Path(filename))}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _is_template_file(filename: str) -> bool:
    return filename.endswith((".html", ".xml", ".txt", ".css")) and Path(filename).is_file()
