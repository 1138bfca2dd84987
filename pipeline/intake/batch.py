"""Ingest a batch: find the inputs, read them in workers, write every result and a summary.

Every input ends with a result JSON in ``OUT/results/``; a rejected one also
keeps its original bytes in ``OUT/quarantine/``. ``OUT/index.jsonl`` remembers
each input's SHA-256, so the same bytes again — in this batch or a later one —
are reported as a duplicate and add nothing. ``OUT/summary.json`` and
``OUT/summary.csv`` list the batch: file, form, status, problems; they also list,
as ``skipped`` with the reason, each entry of an input folder that is not a PDF or
an email (``supforms.pipeline.intake.inputs``), which no worker reads.

Workers only read and judge; this process archives and writes. Result files are
written (each synced before it takes its name) by threads while the next results
come in, and an input is indexed, counted and reported only once its file is whole.

A batch stopped (``Batch.stop``, from a command's Ctrl-C handler) hands out no
more inputs, finishes those its workers hold, then ends as any batch does: each
input archived is written, indexed and yielded, and the summary lists what was
done. The inputs never handed out are left for the next run, which skips what
this one did.

Each input is noted in ``OUT/archiving.jsonl`` before it is archived, and the
note is dropped with the whole log when the batch ends, every input archived
reported. A note found by the next run marks an input a run archived and never
reported (it was killed, or the disk filled): the store's verdict on it is
reported then, not ``duplicate``.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supforms.pipeline.files import (
    AppendLog,
    WriteQueue,
    copy_private,
    sync_folder,
    write_private,
)
from supforms.pipeline.intake.archive import archive_result, as_duplicate
from supforms.pipeline.intake.inputs import Entry, hash_input, open_input, read_within
from supforms.pipeline.intake.workers import Job, Limits, WorkerPool
from supforms.pipeline.names import slug
from supforms.pipeline.records.export import safe_cell
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.result import IngestResult, needs_person
from supforms.schemas.errors import ExtractionError, PipelineError, StoreError

__all__ = ["Batch", "BatchSummary"]


@dataclass
class BatchSummary:
    counts: Counter[str] = field(default_factory=Counter)
    rows: list[dict[str, Any]] = field(default_factory=list)
    needing_person: int = 0  # inputs ``needs_person`` says a person must see to

    @property
    def needs_action(self) -> bool:
        return self.needing_person > 0

    def add(self, path: Path, result: IngestResult) -> None:
        self.counts[result.status] += 1
        self.needing_person += needs_person(result)
        row: dict[str, Any] = {
            "file": str(path),
            "form": result.form,
            "status": result.status,
            "document_id": result.document_id,
            "problems": [f"{p.field}: {p.code}" for p in result.problems],
        }
        if result.status == "skipped":
            row["reason"] = result.problems[0].message
        self.rows.append(row)


@dataclass(frozen=True)
class _Done:
    """An input's result on its way out: its file's name (None: it writes no file)."""

    path: Path
    result: IngestResult
    name: str | None


class Batch:
    """One ingest run into ``out``: results, quarantine, index and summary."""

    def __init__(
        self,
        out: Path,
        workers: int,
        limits: Limits,
        config: Path | None = None,
        store: RecordStore | None = None,
        *,
        freeze: bool = True,
    ):
        self.out = out
        # A long batch freezes the heap (see ``run``); a server judging one upload at a
        # time, in a heap that outlives it, does not: a full collection per file costs more.
        self.freeze = freeze
        self.store = store
        self.config = config
        self.cap = limits.input_mb * 2**20  # bytes an input may hold to be read at all
        self.too_big = f"is larger than {limits.input_mb} MiB, the input size limit: not read"
        self.pool = WorkerPool(workers, limits, self._reader)
        try:
            for folder in ("results", "quarantine"):
                (out / folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PipelineError(
                f"output folder is not writable: {exc.strerror}", path=str(out)
            ) from exc
        self.index_path = out / "index.jsonl"
        self.seen: dict[str, str] = {}
        if self.index_path.exists():
            for line in self.index_path.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                self.seen[entry["sha256"]] = entry["result"]
        self.journal_path = out / "archiving.jsonl"
        self.unreported: set[str] = set()  # archived by an earlier run, maybe never reported
        if self.journal_path.exists():
            for line in self.journal_path.read_text(encoding="utf-8").splitlines():
                self.unreported.add(json.loads(line)["sha256"])
        self.unreported -= self.seen.keys()
        self.summary = BatchSummary()
        self._index: AppendLog
        self._journal: AppendLog
        self._writes: WriteQueue[_Done]
        self._unwritten: dict[str, IngestResult] = {}  # results whose files are being written

    def stop(self) -> None:
        """End the batch early, as finished: see the module's docstring. Signal-safe."""
        self.pool.stop()

    @property
    def stopped(self) -> bool:
        return self.pool.stopped

    def run(
        self, paths: list[Path], refused: list[Entry], skipped: list[Entry] | None = None
    ) -> Iterator[IngestResult]:
        """Ingest every path, yielding each input's result as it is written.

        What was ``refused`` gets a rejected result; what was ``skipped`` (not an
        input) is yielded and listed in the summary as such, and nothing else.
        """
        if self.store is not None:
            # Workers are forked, and must not share open database connections.
            self.store.close()
        # What exists now (every module imported) outlives the batch: the collector's
        # full passes, as results come and go, need not walk it each time.
        if self.freeze:
            gc.collect()
            gc.freeze()
        try:
            # Each input's index line is written once its result file is whole; the
            # results' names and the index are synced once, at the end (supforms.pipeline.files).
            # Result files are written and synced in threads (``WriteQueue``) while the
            # next results come in; each input is yielded, in order, once its file is.
            with (
                AppendLog(self.index_path, sync_each=False) as self._index,
                AppendLog(self.journal_path, sync_each=False) as self._journal,
                WriteQueue[_Done]() as self._writes,
            ):
                try:
                    yield from self._each(paths, refused, skipped or [])
                except StoreError:
                    # The store failed (full, locked, damaged): what it archived before
                    # is reported, each with its result file, before the failure is.
                    yield from self._finish()
                    self._write_summary()
                    raise
                yield from self._finish()
        finally:
            if self.freeze:
                gc.unfreeze()
        self._write_summary()

    def _finish(self) -> Iterator[IngestResult]:
        """The results still being written, then everything synced: the notes can go."""
        yield from (self._claim(done) for done in self._writes.drain())
        for folder in ("results", "quarantine"):
            sync_folder(self.out / folder)
        self._index.sync()
        self.journal_path.unlink()

    def _each(
        self, paths: list[Path], refused: list[Entry], skipped: list[Entry]
    ) -> Iterator[IngestResult]:
        """Every input's result, as its file is written (those before it written first)."""
        for path, code, reason in skipped:
            yield from self._settle(path, self._skip(path, code, reason))
        for path, code, reason in refused:
            if self.stopped:
                return
            yield from self._record(path, *self._failure(path, code, reason))
        for index, done in self.pool.run([str(p) for p in paths]):
            path = paths[index]
            if "failure" in done:
                failure = self._failure(path, done["failure"], done["message"])
                yield from self._record(path, *failure)
            else:
                yield from self._record(path, done["result"], done.get("data"))

    def _reader(self) -> Job:
        """What each worker does with one input, set up in the worker after it forks.

        It reads the file once and judges it; the parent writes what it sends back
        (archives it first, with a store), while the worker reads the next file. A
        worker sends the bytes back only when the parent must keep them: to archive
        them, or to quarantine a rejected input's very bytes.
        """
        import supforms.pipeline.intake.ingest
        from supforms.forms.writing.wording import load_wording

        wording = load_wording(self.config)
        archiving = self.store is not None
        cap, too_big = self.cap, self.too_big

        def read(name: str) -> dict[str, Any]:
            path = Path(name)
            try:
                data = read_within(path, cap)
            except ExtractionError as exc:
                return {"failure": "unreadable", "message": exc.message}
            if data is None:
                return {"failure": "too_big", "message": too_big}
            result = supforms.pipeline.intake.ingest.ingest_bytes(data, path.name, wording)
            if archiving or result.status == "rejected":
                return {"result": result, "data": data}
            return {"result": result}

        return read

    def _result_file(
        self, path: Path, sha: str, result: IngestResult, data: bytes | None
    ) -> tuple[str, bytes]:
        """One input's result file, its name and its JSON (a rejected input: quarantined first)."""
        if result.status == "rejected" and result.quarantined is None:
            result.quarantined = self._quarantine(path, sha, data)
        # The content's hash tells inputs apart; one never read, by the hash of its path.
        key = sha or hashlib.sha256(str(path.absolute()).encode("utf-8", "replace")).hexdigest()
        name = f"results/{slug(path.stem) or 'input'}-{key[:12]}.json"
        text = json.dumps(result.as_json(), ensure_ascii=False) + "\n"
        return name, text.encode("utf-8")

    def _record(
        self, path: Path, result: IngestResult, data: bytes | None = None
    ) -> Iterator[IngestResult]:
        """Archive (with a store and the input's ``data``) and write one input's result.

        Yields the results whose files are now whole, this one's or earlier ones'.
        """
        sha = result.sha256
        if self.store is not None and data is not None:
            if sha:
                self._journal.write(json.dumps({"sha256": sha}))
            unreported = sha in self.unreported and sha not in self.seen
            result = archive_result(self.store, result, data, unreported=unreported)
        if result.status == "duplicate" and (not sha or sha in self.seen):
            self.seen.setdefault(sha, "")  # its first copy's file is here already
        elif result.status != "duplicate" and sha and sha in self.seen:
            # The same bytes twice in one batch: the second is a duplicate of the first,
            # whose file may still be being written.
            name = self.seen[sha]
            earlier = self._unwritten.get(name) or IngestResult.from_json(
                json.loads((self.out / name).read_text(encoding="utf-8"))
            )
            result = as_duplicate(earlier, result)
        else:
            # New here: a new input, or one the store holds whose result file is not in
            # this folder (another --out, or a disk that filled before it was written).
            name, text = self._result_file(path, sha, result, data)
            if sha:
                self.seen[sha] = name
            self._unwritten[name] = result
            done = _Done(path, result, name)
            yield from map(self._claim, self._writes.put(self.out / name, text, done))
            return
        yield from self._settle(path, result)

    def _settle(self, path: Path, result: IngestResult) -> Iterator[IngestResult]:
        """An input with no file of its own to write: it waits its turn behind the others."""
        yield from map(self._claim, self._writes.put(None, b"", _Done(path, result, None)))

    def _claim(self, done: _Done) -> IngestResult:
        """A result whose file is whole (or that had none): index it and count it."""
        if done.name is not None:
            self._unwritten.pop(done.name, None)
            if done.result.sha256:
                entry = {"sha256": done.result.sha256, "result": done.name, "file": str(done.path)}
                self._index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.summary.add(done.path, done.result)
        return done.result

    def _skip(self, path: Path, code: str, reason: str) -> IngestResult:
        """An entry that is not an input, as the summary lists it and ``--json`` prints it."""
        result = IngestResult(path.name, "", 0, status="skipped", file=str(path))
        result.problem("(file)", code, reason)
        return result

    @staticmethod
    def _quarantine_name(path: Path, sha: str) -> str:
        suffix = Path(path.name.strip()).suffix.lower()
        return f"{sha}{suffix or '.bin'}"

    def _quarantine(self, path: Path, sha: str, data: bytes | None) -> str | None:
        """A copy of the rejected input's bytes, named by their SHA-256 (None: no bytes)."""
        if not sha or data is None:
            return None
        target = self.out / "quarantine" / self._quarantine_name(path, sha)
        if target.is_symlink() or not target.is_file():  # a link there is refused
            write_private(target, data, sync=False)
        return str(target.relative_to(self.out))

    def _failure(self, path: Path, code: str, message: str) -> tuple[IngestResult, bytes | None]:
        """The result of an input no worker could read: rejected, its bytes kept if any.

        Bytes within the size limit come back to be archived and quarantined; a
        larger file is streamed into quarantine (hashed as it is copied, a chunk at
        a time) and archived nowhere else: the quarantined copy is the original.
        """
        try:
            fd = open_input(path)
        except ExtractionError:
            return _rejected(path, "", 0, code, message), None  # a link, or gone
        try:
            data = None
            if os.fstat(fd).st_size <= self.cap:
                with os.fdopen(fd, "rb", closefd=False) as handle:
                    data = handle.read(self.cap + 1)
            if data is not None and len(data) <= self.cap:
                sha = hashlib.sha256(data).hexdigest()
                return _rejected(path, sha, len(data), code, message), data
            os.lseek(fd, 0, os.SEEK_SET)
            return self._quarantine_stream(path, fd, message if code == "too_big" else self.too_big)
        except OSError as exc:
            why = f"cannot be read: {exc.strerror}"
            return _rejected(path, "", 0, "unreadable", why), None
        finally:
            os.close(fd)

    def _quarantine_stream(self, path: Path, fd: int, message: str) -> tuple[IngestResult, None]:
        """A file too large to hold, hashed and (unless kept before) copied by streaming."""
        sha, size = hash_input(fd)
        folder = self.out / "quarantine"
        name = self._quarantine_name(path, sha)
        if not (folder / name).is_file():  # kept before, by an earlier run: not again
            os.lseek(fd, 0, os.SEEK_SET)
            target, sha, size = copy_private(
                fd, folder, lambda s: self._quarantine_name(path, s), sync=False
            )
            name = target.name
        result = _rejected(path, sha, size, "too_big", message)
        result.quarantined = f"quarantine/{name}"
        return result, None

    def _write_summary(self) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        summary = {
            "finished_at": stamp,
            "counts": dict(self.summary.counts),
            "files": self.summary.rows,
        }
        write_private(
            self.out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=1) + "\n"
        )
        table = io.StringIO()
        writer = csv.writer(table)
        writer.writerow(["file", "form", "status", "document_id", "problems"])
        for row in self.summary.rows:
            writer.writerow(
                [
                    safe_cell(row["file"]),
                    row["form"] or "",
                    row["status"],
                    row["document_id"] or "",
                    "; ".join(row["problems"])
                    + (f" ({row['reason']})" if row.get("reason") else ""),
                ]
            )
        write_private(self.out / "summary.csv", table.getvalue())


def _rejected(path: Path, sha: str, size: int, code: str, message: str) -> IngestResult:
    result = IngestResult(path.name, sha, size)
    result.problem("(file)", code, message)
    return result
