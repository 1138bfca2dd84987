"""Which model reads which form, by form id and schema version: built in, or from a plugin.

A form issued under an older schema version keeps its version's model here, so
a return is always read with the schema it was issued under. Other packages add
forms through the entry-point group ``supforms.forms`` (contract 9):
the entry's name is the form id, its value ``package.module:ModelClass``, and the
wording template ``<form_id>.j2`` sits beside that module. A plugin that cannot
be loaded, or that claims a form id already taken, is refused with an error
naming its package; the other forms keep working.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from supforms.schemas.common import FormModel
from supforms.schemas.declaration import Declaration, missing_paths
from supforms.schemas.errors import UnknownFormError
from supforms.schemas.legacy import LEGACY

log = logging.getLogger(__name__)

__all__ = [
    "BUILT_IN",
    "ENTRY_POINT_GROUP",
    "FORMS",
    "BrokenPlugin",
    "broken_plugins",
    "declaration_of",
    "form_ids",
    "form_problem",
    "latest",
    "model_for",
    "origin_of",
    "template_folder",
    "versions",
]

ENTRY_POINT_GROUP = "supforms.forms"
_LEGACY: tuple[type[FormModel], ...] = LEGACY
_FORM_ID = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # as the footer prints it; a store column fits


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin form that was refused: which package, which entry, and why."""

    package: str
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"form {self.entry!r} from package {self.package!r} is not available: {self.reason}"


def _key(model: type[FormModel]) -> tuple[str, str]:
    return (
        str(model.model_fields["form_id"].default),
        str(model.model_fields["schema_version"].default),
    )


def _built_in() -> tuple[type[FormModel], ...]:
    """The form of each module in ``schemas/forms/``, in the order of their form ids.

    A module's form is the model it defines with a ``form_id``. A built-in form
    that is not a valid form is a mistake in supforms itself: it stops the import.
    """
    found = []
    package = importlib.import_module("supforms.schemas.forms")
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        models = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, FormModel)
            and value.__module__ == module.__name__
            and "form_id" in value.model_fields
        ]
        if len(models) != 1:
            raise TypeError(f"{module.__name__} defines {len(models)} forms; one module, one form")
        problem = form_problem(_key(models[0])[0], models[0])
        if problem is not None:
            raise TypeError(f"{module.__name__}: {problem}")
        found.extend(models)
    return tuple(sorted(found, key=lambda model: _key(model)[0]))


def form_problem(name: str, model: object, value: str = "the model") -> str | None:
    """Why ``model`` cannot be the form ``name``, or None if it can (every form is checked)."""
    if not (isinstance(model, type) and issubclass(model, FormModel)):
        return f"{value} is not a supforms FormModel"
    fields = model.model_fields
    if "form_id" not in fields or "schema_version" not in fields:
        return f"{value} declares no form_id or schema_version"
    form_id, version = _key(model)
    if form_id != name:
        return f"the entry is named {name!r}, but the model's form_id is {form_id!r}"
    if not _FORM_ID.match(form_id):
        return "a form id is lower-case letters, digits and hyphens, at most 32 characters"
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        return f"schema_version {version!r} is not of the form 1.0.0"
    declaration = model.declaration
    if not isinstance(declaration, Declaration):
        return f"{value} has no `declaration: ClassVar[Declaration]`"
    missing = missing_paths(model, declaration)
    if missing:
        return f"its declaration names values the form does not have: {', '.join(missing)}"
    if declaration.renewal is not None and declaration.dated is None:
        return "its declaration has a renewal rule but no `dated` value to count from"
    return _compliance_problem(declaration)


def _compliance_problem(declaration: Declaration) -> str | None:
    """Why the compliance roles cannot be read as declared, or None."""
    roles = declaration.compliance
    if (roles.frequency is not None or roles.contract) and declaration.dated is None:
        return "its declaration states a frequency or a contract but no `dated` value"
    carried = roles.session.carried if roles.session is not None else None
    if carried is not None and not (carried.outcome and carried.done):
        return "its carried-over actions name no `outcome` and no values that mean `done`"
    return None


BUILT_IN: tuple[type[FormModel], ...] = _built_in()
"""Every built-in form's newest model, found in ``schemas/forms/`` (no list to keep)."""

FORMS: dict[tuple[str, str], type[FormModel]] = {
    # Newest first: a form identified by its field names alone is read as the newest version.
    _key(model): model
    for model in (*BUILT_IN, *_LEGACY)
}
"""Every (form id, schema version) and its model; plugins join on first use of the registry."""

_origins: dict[str, str] = {_key(model)[0]: "supforms" for model in BUILT_IN}
_folders: dict[str, Path] = {}
_broken: list[BrokenPlugin] = []
_loaded = False


def _folder(model: type[FormModel]) -> Path:
    return Path(str(getattr(sys.modules[model.__module__], "__file__", "") or ".")).parent


def _load_plugins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        package = entry.dist.name if entry.dist is not None else entry.module.split(".")[0]
        if entry.name in _origins:
            taken = _origins[entry.name]
            _broken.append(
                BrokenPlugin(package, entry.name, f"the form id is already taken by {taken!r}")
            )
            log.warning("%s", _broken[-1])
            continue
        try:
            model = entry.load()
            problem = form_problem(entry.name, model, entry.value)
        except Exception as exc:
            problem = f"it cannot be imported ({type(exc).__name__}: {exc})"
        if problem is None and not (_folder(model) / f"{entry.name}.j2").is_file():
            problem = f"no wording template {entry.name}.j2 beside {entry.module}"
        if problem is not None:
            _broken.append(BrokenPlugin(package, entry.name, problem))
            log.warning("%s", _broken[-1])  # the other forms keep working; this one is named
            continue
        FORMS[_key(model)] = model
        _origins[entry.name] = package
        _folders[entry.name] = _folder(model)


def broken_plugins() -> list[BrokenPlugin]:
    """The plugin forms that were refused, each naming its package and why."""
    _load_plugins()
    return list(_broken)


def form_ids() -> list[str]:
    """The registered form ids: the built-in forms in alphabetical order, then plugins."""
    _load_plugins()
    return list(dict.fromkeys(form_id for form_id, _ in FORMS))


def versions() -> list[tuple[str, str, type[FormModel]]]:
    """Every registered form version and its model."""
    _load_plugins()
    return [(form_id, version, model) for (form_id, version), model in FORMS.items()]


def origin_of(form_id: str) -> str:
    """The package a form comes from (``supforms`` for the built-in forms)."""
    _load_plugins()
    return _origins.get(form_id, "supforms")


def template_folder(form_id: str) -> Path | None:
    """Where a plugin form's wording template sits; None for the built-in forms."""
    _load_plugins()
    return _folders.get(form_id)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def latest(form_id: str) -> type[FormModel]:
    """The newest schema of ``form_id``: what ``generate`` issues."""
    _load_plugins()
    versions = [version for (fid, version) in FORMS if fid == form_id]
    if not versions:
        broken = next((b for b in _broken if b.entry == form_id), None)
        if broken is not None:
            raise UnknownFormError(str(broken))
        known = ", ".join(form_ids())
        raise UnknownFormError(f"unknown form {form_id!r}; the forms are: {known}")
    return FORMS[(form_id, max(versions, key=_version_key))]


def model_for(form_id: str, version: str) -> type[FormModel]:
    """The model a document issued as ``form_id`` at ``version`` is read with."""
    _load_plugins()
    try:
        return FORMS[(form_id, version)]
    except KeyError:
        latest(form_id)  # raises for an unknown form id
        raise UnknownFormError(f"form {form_id!r} has no schema version {version!r}") from None


def declaration_of(form_id: str | None) -> Declaration | None:
    """The newest declaration of a registered form; None for no form or an unknown one.

    A record of a form no longer installed stays readable, only unnamed.
    """
    if not form_id:
        return None
    try:
        return latest(form_id).declaration
    except UnknownFormError:
        return None
