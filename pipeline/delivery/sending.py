"""A roster sent, as a program asks for it: ``supforms.send``.

Each row gets one prefilled copy (made as ``generate`` makes it, registered in the
store before any email of it leaves) and each of its recipients one email with
the copy attached. A refused address or a dropped connection does not stop the
batch: the delivery says ``failed``, and ``resume=True`` later sends only what did not go.

    with supforms.send("agreement", "pairs.csv", "output/sent", smtp="smtps://mail:465") as sent:
        for delivery in sent:
            print(delivery.recipient, delivery.status)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from supforms.forms.writing.wording import load_wording
from supforms.pipeline.delivery.batches import Batch, check_batch, folder_lock, sweep_unclaimed
from supforms.pipeline.delivery.carry import carry_actions as carry
from supforms.pipeline.delivery.deliver import check_roster, dry_run, send
from supforms.pipeline.delivery.delivery_log import Delivery
from supforms.pipeline.delivery.generate import check_records
from supforms.pipeline.delivery.mail import MailSettings, mailing
from supforms.pipeline.delivery.rehearsal import opened, rehearse
from supforms.pipeline.delivery.roster import recipients_of
from supforms.pipeline.held import Held, Stop

__all__ = ["Deliveries", "send_roster"]


class Deliveries(Held):
    """Deliveries under way: iterate for each one as it is sent (or fails); ``failed`` after."""

    def __init__(
        self,
        deliveries: Iterator[Delivery],
        total: int,
        resources: ExitStack,
        *,
        earlier: Batch | None = None,
        swept: tuple[str, ...] = (),
        new_batch: bool = False,
        stop: Stop | None = None,
    ) -> None:
        self._deliveries = deliveries
        self.total = total
        self.failed = 0
        self.done = 0
        super().__init__(resources, stop)
        self.earlier = earlier or Batch(0, 0, 0)
        """What the folder held of a send of the form before this one."""
        self.swept = swept
        """Copies an earlier, killed run left that nobody was sent: removed before sending."""
        self.new_batch = new_batch
        """Every row got a new copy, beside the folder's earlier batch."""

    def __iter__(self) -> Iterator[Delivery]:
        for delivery in self._deliveries:
            self.failed += delivery.status == "failed"
            self.done += 1
            yield delivery


def send_roster(
    form: str,
    roster: str | Path,
    out: str | Path = "output/sent",
    *,
    mail: MailSettings | None = None,
    store: str | None = None,
    resume: bool = False,
    new_batch: bool = False,
    dry_run_only: bool = False,
    config: Path | None = None,
    carry_actions: bool = False,
) -> Deliveries:
    """Start sending ``form``, prefilled, to everyone on ``roster``: iterate for each delivery.

    Args:
        form: a registered form id.
        roster: CSV, JSON or JSON Lines; each row has ``_to`` (``Name <address>, …``)
            and any prefill values.
        out: the folder for the copies, ``manifest.jsonl`` and ``delivery.jsonl``.
        mail: how messages go (default: ``.eml`` files in ``OUT/eml``).
        store: the store URL whose registry records each copy before it is sent.
        resume: send only what did not go last time, each row the copy made for it.
        new_batch: send everyone a new copy, though ``out`` holds a send of ``form``.
            Without either, a folder holding a send of ``form`` is refused
            (``delivery.batches``). Either way, copies a killed run left that no
            manifest line or store row claims are removed first (``swept``).
        dry_run_only: make every check a send makes (roster, form, values, files,
            store, folder, mail settings short of connecting), then only say what
            would go where; nothing is made or sent.
        config: the wording config (TOML), if not the seed documents' wording.
        carry_actions: prefill each row's carried-over actions with the pair's open
            action points from their last complete session record (``delivery.carry``).

    Raises:
        InvalidRecordError: the roster has problems (every one named; nothing sent).
        SettingError: ``out`` holds a send of ``form``, and neither ``resume`` nor
            ``new_batch`` says what to do with it (nothing made or sent).
        PipelineError: the folder, the store or the mail server cannot be used.
    """
    out, roster = Path(out), Path(roster)
    mail = (mail or MailSettings()).checked()
    records = check_roster(roster)
    wording = load_wording(config)
    if not carry_actions:
        checked = check_records(form, records, str(roster), wording)  # once, for the whole send
    if dry_run_only:
        rehearse(form, out, store, resume=resume, new_batch=new_batch)
        if carry_actions:
            with opened(store) as registry:
                records = carry(form, records, registry) if registry else records
            check_records(form, records, str(roster), wording)
        return Deliveries(dry_run(form, records, out, mail.return_url), 0, ExitStack())
    resources, stop = ExitStack(), Stop()
    try:
        transport, registry = resources.enter_context(mailing(mail, out, store))
        assert transport is not None  # sending: there is one
        resources.enter_context(folder_lock(out))
        earlier = check_batch(out, form, registry, resume=resume, new_batch=new_batch)
        swept = tuple(sweep_unclaimed(out, form, registry))
        if carry_actions:  # the open actions are read from the store, then checked
            records = carry(form, records, registry)
            checked = check_records(form, records, str(roster), wording)
        deliveries = send(
            form,
            records,
            out,
            transport,
            registry,
            sender=mail.sender,
            source=str(roster),
            resume=resume,
            templates=mail.templates,
            wording=wording,
            return_address=mail.return_address,
            return_url=mail.return_url,
            checked=checked,
            stop=stop,
        )
    except BaseException:
        resources.close()
        raise
    total = sum(len(recipients_of(record)) for record in records)
    return Deliveries(
        deliveries,
        total,
        resources,
        earlier=earlier,
        swept=swept,
        new_batch=new_batch and earlier.copies > 0,
        stop=stop,
    )
