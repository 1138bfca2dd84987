"""The printed wording of each form: a Jinja2 template per form, parsed into blocks.

Templates live in ``forms/templates/<form_id>.j2`` and are written in a small line
markup, so that the clauses read as they do in the seed documents:

``= Title`` · ``=~ subtitle`` · ``== Heading`` · ``- bullet`` · ``1. numbered item`` ·
``> guidance note`` · ``| cell | cell`` (table row; ``//`` separates items in a cell) ·
``---`` (page break) · a line of ``[[path]]`` or ``[[path|Label:]]`` only (a row of
fields; ``[[path|]]`` prints no label) · any other line is a paragraph, in which
``[[path]]`` is an inline blank.

The organisation's names and local references are template variables: each
form declares its variables and their defaults (``Declaration.wording``, which
reproduce the seeds), a TOML config overrides them (checked: a misspelt section
or key is an error), and templates render with StrictUndefined, so a missing
variable is an error, never a silent gap. A plugin form's template sits beside
its model's module (contract 9).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from supforms.schemas.errors import LayoutError
from supforms.schemas.registry import form_ids, latest, origin_of, template_folder

__all__ = [
    "Block",
    "FieldRef",
    "Wording",
    "default_config",
    "load_wording",
    "parse_blocks",
    "render_wording",
]

TEMPLATES = Path(__file__).parent.parent / "templates"
_REF = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]*))?\]\]")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")

BlockKind = Literal[
    "title",
    "subtitle",
    "heading",
    "bullet",
    "numbered",
    "note",
    "paragraph",
    "fields",
    "table",
    "pagebreak",
    "gap",
]


@dataclass(frozen=True)
class FieldRef:
    """A field placed by the template; ``label`` None means the field's own title."""

    path: str
    label: str | None = None


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    number: str = ""
    refs: tuple[FieldRef, ...] = ()
    cells: tuple[tuple[str, ...], ...] = ()
    level: int = 2
    """A heading's level: ``== `` is 2 (a section), ``=== `` is 3 (a step within one)."""


@dataclass(frozen=True)
class Wording:
    """The variables of every form's template, and the logo to print, if any."""

    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    logo: str = ""

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything printed would change; keys the template cache."""
        blob = json.dumps([self.variables, self.logo], sort_keys=True).encode()
        if self.logo and Path(self.logo).is_file():
            blob += Path(self.logo).read_bytes()
        return hashlib.sha256(blob).hexdigest()[:16]


@cache
def _config_model() -> type[BaseModel]:
    """The wording config's shape: ``logo``, and a table per form of its declared variables."""
    sections: dict[str, Any] = {}
    for form_id in form_ids():
        declaration = latest(form_id).declaration
        defaults = dict(declaration.wording) if declaration else {}
        table = create_model(  # type: ignore[call-overload]
            f"Wording_{form_id}",
            __config__=ConfigDict(extra="forbid", strict=True),
            **{key: (str, value) for key, value in defaults.items()},
        )
        sections[form_id] = (table, table())
    model: type[BaseModel] = create_model(
        "WordingConfig",
        __config__=ConfigDict(extra="forbid", strict=True),
        logo=(str, ""),
        **sections,
    )
    return model


def _where(item: Any) -> str:
    path = ".".join(str(part) for part in item["loc"])
    if item["type"] == "extra_forbidden":
        parent = ".".join(str(part) for part in item["loc"][:-1])
        what = f"key {item['loc'][-1]!r} in [{parent}]" if parent else f"section [{path}]"
        return f"unknown {what}: no form declares it"
    return f"{path}: {item['msg']}"


def load_wording(path: Path | None = None) -> Wording:
    """The declared defaults, overlaid by the TOML config at ``path`` when given.

    The config is checked against what the forms declare: a misspelt section or
    key is an error naming it, never silently ignored.
    """
    model = _config_model()
    override: dict[str, Any] = {}
    if path is not None:
        try:
            override = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise LayoutError(f"cannot read wording config: {exc}", path=str(path)) from exc
    try:
        config = model.model_validate(override).model_dump()
    except ValidationError as exc:
        details = "; ".join(_where(item) for item in exc.errors(include_url=False))
        raise LayoutError(f"wording config: {details}", path=str(path)) from None
    logo = str(config.pop("logo") or "")
    if logo and not Path(logo).is_file():
        raise LayoutError(f"logo {logo} does not exist", path=str(path) if path else None)
    return Wording(variables=config, logo=logo)


def default_config() -> str:
    """Every form's wording variables and their defaults, as a TOML file to copy and edit."""
    lines = [
        "# The wording variables of the forms; the defaults reproduce the seed documents.",
        "# Copy this file, change what differs, pass it with `supforms --config FILE`.",
        "",
        "# Optional image printed at the top right of the first page of every form.",
        'logo = ""',
    ]
    for form_id in form_ids():
        declaration = latest(form_id).declaration
        if declaration and declaration.wording:
            lines += ["", f"[{form_id}]"]
            lines += [
                f"{key} = {json.dumps(value, ensure_ascii=False)}"
                for key, value in declaration.wording.items()
            ]
    return "\n".join(lines) + "\n"


@cache
def _environment(folder: Path) -> jinja2.Environment:
    # Plain text out, not HTML: autoescape would turn "&" in an organisation's name into "&amp;".
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_wording(form_id: str, wording: Wording, version: str | None = None) -> str:
    """The form's markup with the organisation's variables filled in.

    A schema version whose wording differs keeps its own ``<form_id>-<version>.j2``;
    otherwise every version prints ``<form_id>.j2``.
    """
    names = [f"{form_id}-{version}.j2"] if version else []
    try:
        folder = template_folder(form_id) or TEMPLATES
        template = _environment(folder).select_template([*names, f"{form_id}.j2"])
        return template.render(**wording.variables.get(form_id, {}))
    except jinja2.TemplatesNotFound as exc:
        raise LayoutError(f"no wording template for form {form_id!r}") from exc
    except jinja2.UndefinedError as exc:
        raise LayoutError(f"wording template for {form_id}: {exc.message}") from exc
    except jinja2.TemplateSyntaxError as exc:  # a plugin's template, most likely
        raise LayoutError(
            f"wording template {exc.name or form_id} of package {origin_of(form_id)!r}, "
            f"line {exc.lineno}: {exc.message}"
        ) from exc


def _refs_only(line: str) -> tuple[FieldRef, ...] | None:
    refs = tuple(FieldRef(m.group(1).strip(), m.group(2)) for m in _REF.finditer(line))
    return refs if refs and not _REF.sub("", line).strip() else None


def parse_blocks(markup: str) -> list[Block]:
    """Split rendered markup into blocks, one per line (blank lines become gaps)."""
    blocks: list[Block] = []
    for raw in markup.splitlines():
        line = raw.strip()
        if not line:
            if blocks and blocks[-1].kind != "gap":
                blocks.append(Block("gap"))
            continue
        refs = _refs_only(line)
        numbered = _NUMBERED.match(line)
        if refs is not None:
            blocks.append(Block("fields", refs=refs))
        elif line == "---":
            blocks.append(Block("pagebreak"))
        elif line.startswith("=~ "):
            blocks.append(Block("subtitle", line[3:].strip()))
        elif line.startswith("=== "):
            blocks.append(Block("heading", line[4:].strip(), level=3))
        elif line.startswith("== "):
            blocks.append(Block("heading", line[3:].strip()))
        elif line.startswith("= "):
            blocks.append(Block("title", line[2:].strip()))
        elif line.startswith("- "):
            blocks.append(Block("bullet", line[2:].strip()))
        elif line.startswith("> "):
            blocks.append(Block("note", line[2:].strip()))
        elif line.startswith("|"):
            cells = tuple(cell.strip() for cell in line[1:].split("|"))
            if blocks and blocks[-1].kind == "table":
                blocks[-1] = Block("table", cells=(*blocks[-1].cells, cells))
            else:
                blocks.append(Block("table", cells=(cells,)))
        elif numbered:
            blocks.append(Block("numbered", numbered.group(2), number=numbered.group(1)))
        else:
            blocks.append(Block("paragraph", line))
    return blocks


def inline_parts(text: str) -> list[str | FieldRef]:
    """A paragraph split into its words' text and the inline fields between them."""
    parts: list[str | FieldRef] = []
    last = 0
    for match in _REF.finditer(text):
        if match.start() > last:
            parts.append(text[last : match.start()])
        parts.append(FieldRef(match.group(1).strip(), match.group(2)))
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return parts
