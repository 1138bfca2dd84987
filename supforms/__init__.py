"""supforms as a library: supervision forms generated, sent, ingested, archived and proven.

Everything a program needs is here, one documented call each::

    import supforms

    supforms.list_forms()                               # the forms, one row per version
    with supforms.generate("agreement", "output", data="pairs.csv") as copies:
        for copy in copies: ...                         # each copy, whole and registered
    with supforms.send("agreement", "pairs.csv", "output/sent") as deliveries:
        for delivery in deliveries: ...                 # each email, sent or written
    with supforms.ingest(["inbox/"], "output/ingest") as run:
        for result in run: ...                          # each return's verdict
    supforms.inspect("return.pdf")                      # one verdict, archiving nothing
    with supforms.open_store() as store: ...            # the records store
    supforms.verify().findings                          # the store proven, or what is wrong
    with supforms.open_store() as store:
        supforms.compliance(store).rows                 # supervision as each agreement says
        selection = supforms.EvidenceSelection(person="Zoë Ó Briain")
        supforms.evidence(store, selection, "zoe.pdf")  # a PDF/A-3 pack for an inspector
        supforms.verify_evidence(store, "zoe.pdf")      # [] when the pack proves

The store is ``store=URL``, else ``SUPFORMS_STORE``, else ``sqlite:///output/records.db``.
Failures raise ``PipelineError`` (and its subclasses), never exit or print.

Names are imported on first use (PEP 562): ``import supforms`` costs nothing, and
the ``supforms`` command starts without the library it does not need.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "list_forms": "supforms.pipeline.catalogue:form_rows",
    "generate": "supforms.pipeline.delivery.copies:generate_copies",
    "send": "supforms.pipeline.delivery.sending:send_roster",
    "ingest": "supforms.pipeline.intake.run:ingest",
    "inspect": "supforms.pipeline.intake.run:inspect",
    "open_store": "supforms.pipeline.records.opening:open_store",
    "verify": "supforms.pipeline.records.verify:verify",
    "compliance": "supforms.pipeline.records.compliance:compliance",
    "evidence": "supforms.pipeline.evidence.pack:build_pack",
    "verify_evidence": "supforms.pipeline.evidence.proving:verify_pack",
    "EvidenceSelection": "supforms.pipeline.evidence.gather:Selection",
    "Copies": "supforms.pipeline.delivery.copies:Copies",
    "Deliveries": "supforms.pipeline.delivery.sending:Deliveries",
    "IngestRun": "supforms.pipeline.intake.run:IngestRun",
    "IngestResult": "supforms.pipeline.result:IngestResult",
    "Limits": "supforms.pipeline.intake.workers:Limits",
    "MailSettings": "supforms.pipeline.delivery.mail:MailSettings",
    "RecordStore": "supforms.pipeline.records.store:RecordStore",
    "PipelineError": "supforms.schemas.errors:PipelineError",
    "InvalidRecordError": "supforms.schemas.errors:InvalidRecordError",
    "StoreError": "supforms.schemas.errors:StoreError",
    "Problem": "supforms.schemas.errors:Problem",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = _EXPORTS[name].partition(":")
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
