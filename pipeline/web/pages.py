"""The templates, and one way to render a page with them.

Pages extend ``base.html.j2`` (GOV.UK Frontend's template: skip link, header with
the service name, main, footer). Autoescaping is on for every template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

__all__ = ["STATIC", "page", "templates"]

HERE = Path(__file__).parent
STATIC = HERE / "static"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(
    request: Request, template_name: str, /, status: int = 200, **context: Any
) -> HTMLResponse:
    """The template rendered with ``context`` (and the request, for links and who signed in).

    The first two are positional only: a template may use any name (``name``,
    ``status``…) for its own values.
    """
    html = templates.get_template(template_name).render(request=request, **context)
    return HTMLResponse(html, status_code=status)
