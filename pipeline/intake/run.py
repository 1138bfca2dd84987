"""One ingest, as a program asks for it: paths and mailboxes in, verdicts out.

``ingest`` is what ``supforms ingest`` calls and what ``import supforms`` offers:
it finds the inputs (files, folders, globs, saved emails, ``imaps://`` mailboxes),
opens the store, runs the batch and settles each mailbox message as its results
come. The caller iterates the run for each ``IngestResult`` as it is written and
reads the summary at the end; nothing here prints.

    with supforms.ingest(["inbox/"], "output/ingest") as run:
        for result in run:
            print(result.filename, result.status)
    print(run.summary.counts)

A caller may end the run early with ``run.stop()`` (the CLI calls it on Ctrl-C or
SIGTERM, from a signal handler it installs; the library installs none): the run
then finishes what is in flight, yields it, writes the summary and ends;
``run.left`` says how many inputs it did not reach, for the next run to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from supforms.forms.writing.wording import load_wording
from supforms.pipeline.held import Held
from supforms.pipeline.intake.batch import Batch, BatchSummary
from supforms.pipeline.intake.imap import MailboxIntake, is_mailbox_url
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.pipeline.intake.inputs import Entry, Inputs, find_inputs, read_input
from supforms.pipeline.intake.mailbox import pdfs_from_emails
from supforms.pipeline.intake.workers import Limits
from supforms.pipeline.records.opening import open_store, store_url
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import SettingError

__all__ = ["IngestRun", "ingest", "inspect"]


class IngestRun(Held):
    """One batch under way: iterate it for each result; ``summary`` once it is done.

    It holds the store and the mailboxes it opened; leaving the ``with`` block (or
    ``close``) lets them go, even if the batch was not iterated to its end.
    """

    def __init__(
        self,
        batch: Batch,
        found: list[Path],
        refused: list[Entry],
        passed_over: list[Entry],
        mailboxes: list[MailboxIntake],
        resources: ExitStack,
        origins: dict[str, str] | None = None,
    ) -> None:
        self._batch = batch
        self._inputs = (found, refused, passed_over)
        self.mailboxes = mailboxes
        super().__init__(resources)
        self.total = len(found) + len(refused) + len(passed_over)
        """How many results the run will give: each input, and each entry skipped."""
        self.origins = origins or {}
        """A PDF taken from a saved email: its name -> the email, as given, and its name there."""

    def __iter__(self) -> Iterator[IngestResult]:
        for result in self._batch.run(*self._inputs):
            for mailbox in self.mailboxes:
                mailbox.settle(result)
            yield result

    def stop(self) -> None:
        """Take no more inputs: what is in flight ends and is yielded. Signal-safe."""
        self._batch.stop()

    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called."""
        return self._batch.stopped

    @property
    def left(self) -> int:
        """Inputs (and entries skipped) the run has not given a result for."""
        return self.total - len(self._batch.summary.rows)

    @property
    def summary(self) -> BatchSummary:
        """Counts by status, one row per input, and whether any needs a person."""
        return self._batch.summary

    @property
    def moved(self) -> int:
        """Mailbox messages put away (moved or flagged) by this run."""
        return sum(mailbox.moved for mailbox in self.mailboxes)


def ingest(
    paths: Sequence[str | Path],
    out: str | Path = "output/ingest",
    *,
    store: str | RecordStore | None = None,
    archive: bool = True,
    workers: int | None = None,
    limits: Limits | None = None,
    config: Path | None = None,
    move_to: str | None = None,
    imap_ca: Path | None = None,
) -> IngestRun:
    """Start ingesting ``paths`` into ``out``: returns the run, to iterate for its results.

    Args:
        paths: PDFs, saved emails, folders (searched recursively), globs, and
            ``imaps://USER@HOST/FOLDER`` mailboxes (password in SUPFORMS_IMAP_PASSWORD).
        out: the folder for ``results/``, ``quarantine/``, ``index.jsonl`` and the summary.
        store: a store URL (default: ``SUPFORMS_STORE``, else ``sqlite:///output/records.db``)
            or an open ``RecordStore``; created if missing.
        archive: False judges and writes results only (no mailbox can be read so).
        workers: worker processes reading PDFs (default: the number of cores).
        limits: seconds and MiB one file may take before it is rejected.
        config: the wording config (TOML) the forms were made with, if not the default.
        move_to: for mailboxes, the folder each message read is moved to (else flagged).
        imap_ca: for mailboxes, a CA file (PEM) to trust for the server's certificate.

    Raises:
        PipelineError: the output folder, the store or a mailbox cannot be used; nothing
            was read then.
    """
    out = Path(out)
    names = [str(path) for path in paths]
    urls = [name for name in names if is_mailbox_url(name)]
    if urls and not archive:
        raise SettingError("a mailbox is read into the store (it remembers each message)")
    files = [name for name in names if not is_mailbox_url(name)]
    inputs = find_inputs(files) if files else Inputs()
    limits = limits or Limits()
    attached, unmailed, origins = pdfs_from_emails(inputs.emails, out / "mail", limits.email_bytes)
    found, refused = inputs.pdfs + attached, inputs.refused + unmailed
    passed_over = list(inputs.skipped)
    resources = ExitStack()
    try:
        records: RecordStore | None = None
        if isinstance(store, RecordStore):
            records = store
        elif archive:
            records = open_store(store_url(store))
            resources.callback(records.close)
        mailboxes = []
        for url in urls if records is not None else ():
            mailbox = MailboxIntake(
                url, records, move_to=move_to, ca_file=imap_ca, email_limit=limits.email_bytes
            )
            resources.callback(mailbox.close)
            mailbox.open(out)
            mailboxes.append(mailbox)
            found, refused = found + mailbox.pdfs, refused + mailbox.refused
            passed_over += mailbox.left
        batch = Batch(out, workers or os.cpu_count() or 1, limits, config, records)
    except BaseException:
        resources.close()
        raise
    return IngestRun(batch, found, refused, passed_over, mailboxes, resources, origins)


def inspect(pdf: str | Path, *, config: Path | None = None) -> IngestResult:
    """The verdict on one returned PDF, as ``ingest`` would give it, archiving nothing.

    What support staff want when someone asks "why was my form rejected?": the
    result's ``problems`` and ``signatures`` say it, field by field.
    """
    path = Path(pdf)
    return ingest_bytes(read_input(path), path.name, load_wording(config))
