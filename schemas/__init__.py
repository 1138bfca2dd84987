"""Pure data: one Pydantic model per form, the shared field types and the error tree.

Names are imported on first use (PEP 562), so that ``supforms.schemas.errors`` can be
imported without loading every form: ``supforms --help`` stays quick.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "supforms.schemas.common": ("FormModel", "SignatureBlock", "SignatureInfo"),
    "supforms.schemas.dates": ("parse_date",),
    "supforms.schemas.declaration": ("Concerns", "Declaration", "Renewal"),
    "supforms.schemas.errors": (
        "ExtractionError",
        "InvalidRecordError",
        "LayoutError",
        "PipelineError",
        "Problem",
        "SettingError",
        "StoreError",
        "UnknownFormError",
    ),
    "supforms.schemas.registry": ("FORMS", "declaration_of", "form_ids", "latest", "model_for"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
