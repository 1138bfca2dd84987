"""Copies of a form, as a program asks for them: blank, or one per record of a data file.

``generate_copies`` is what ``supforms generate`` calls and what ``import supforms``
offers as ``supforms.generate``. Every record is checked first and, for prefilled
copies, the output folder and the store are proven writable, before a file is written.

    with supforms.generate("agreement", "output", data="pairs.csv") as copies:
        for copy in copies:
            print(copy.file, copy.document_id)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from supforms.forms.writing.wording import load_wording
from supforms.pipeline.delivery.carry import carry_actions as carry
from supforms.pipeline.delivery.data import load_records
from supforms.pipeline.delivery.generate import Issued, check_records, generate
from supforms.pipeline.held import Held, Stop
from supforms.pipeline.records.opening import store_url
from supforms.pipeline.records.preflight import check_folder, writable_store

__all__ = ["Copies", "generate_copies"]


class Copies(Held):
    """Copies being made: iterate for each copy once it is whole on disk and registered.

    ``stop()`` (Ctrl-C, in the CLI) makes no copy after the one in hand; ``made`` and
    ``left`` then say how far it got.
    """

    def __init__(
        self, copies: Iterator[Issued], total: int, resources: ExitStack, stop: Stop
    ) -> None:
        self._copies = copies
        self.total = total
        self.made = 0
        super().__init__(resources, stop)

    def __iter__(self) -> Iterator[Issued]:
        for copy in self._copies:
            self.made += 1
            yield copy

    @property
    def left(self) -> int:
        """Copies not made (a stopped run): the rows after the last one made."""
        return self.total - self.made


def generate_copies(
    form: str,
    out: str | Path = "output",
    *,
    data: str | Path | None = None,
    store: str | None = None,
    flatten: bool = False,
    config: Path | None = None,
    carry_actions: bool = False,
) -> Copies:
    """Start making ``form``'s copies in ``out``: one blank, or one per record of ``data``.

    Args:
        form: a registered form id (``supforms.forms()`` lists them).
        out: the folder for the PDFs and ``manifest.jsonl``.
        data: prefill records (CSV, JSON or JSON Lines); each copy is registered as
            issued in the store.
        store: the store URL for the registry (default: ``SUPFORMS_STORE``, else
            ``sqlite:///output/records.db``); used only with ``data``.
        flatten: print-only copies, values merged into the page.
        config: the wording config (TOML), if not the seed documents' wording.
        carry_actions: prefill each record's carried-over actions with the pair's
            open action points from their last complete session record in the store
            (a form that records a session; ``delivery.carry``).

    Raises:
        InvalidRecordError: a record does not fit the form (nothing written).
        PipelineError: the folder or the store cannot be written.
    """
    out = Path(out)
    wording = load_wording(config)
    records = load_records(Path(data)) if data is not None else None
    resources, stop = ExitStack(), Stop()
    try:
        registry, checked = None, None
        if records is not None:  # before anything is written: can it be kept and registered?
            if carry_actions:  # the open actions are read from the store, then checked
                registry = resources.enter_context(writable_store(store_url(store)))
                records = carry(form, records, registry)
            checked = check_records(form, records, str(data), wording)
            check_folder(out)
            if registry is None:
                registry = resources.enter_context(writable_store(store_url(store)))
        copies = generate(
            form,
            out,
            records,
            source=str(data or ""),
            flatten=flatten,
            wording=wording,
            store=registry,
            checked=checked,
            stop=stop,
        )
    except BaseException:
        resources.close()
        raise
    return Copies(copies, len(records) if records is not None else 1, resources, stop)
