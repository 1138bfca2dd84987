"""``supforms send`` and ``supforms print``: forms out to people, by email or on paper."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from supforms.pipeline.cli.common import (
    FORM,
    Settings,
    exit_for,
    json_line,
    json_option,
    out_option,
    printable,
    progress,
    store_option,
)

if TYPE_CHECKING:
    from supforms.pipeline.delivery.delivery_log import Delivery
    from supforms.pipeline.delivery.sending import Deliveries

__all__ = ["mail_options", "print_command", "send_command"]

_MAIL = (
    "eml_dir", "smtp", "smtp_insecure", "sender", "return_address", "return_url", "templates",
)  # fmt: skip


def mail_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """How messages go, for ``send``, ``remind`` and ``renew``: one meaning, one safety.

    The options reach the command as one ``mail`` (``MailSettings``), with ``--store``
    and ``--json``.
    """

    @functools.wraps(command)
    def with_mail(*args: Any, **options: Any) -> Any:
        from supforms.pipeline.delivery.mail import MailSettings

        mail = MailSettings(**{name: options.pop(name) for name in _MAIL})
        return command(*args, mail=mail, **options)

    options = [
        click.option(
            "--eml-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Write .eml files here (the default: OUT/eml).",
        ),
        click.option(
            "--smtp",
            help="Send through this server: smtps://HOST:PORT (TLS) or smtp://HOST:PORT "
            "(STARTTLS, required). User and password: SUPFORMS_SMTP_USER, "
            "SUPFORMS_SMTP_PASSWORD. Certificates are checked against the system's "
            "(or SSL_CERT_FILE's) authorities.",
        ),
        click.option(
            "--smtp-insecure",
            is_flag=True,
            help="Allow a relay on this machine (localhost) that offers no STARTTLS.",
        ),
        click.option(
            "--from",
            "sender",
            default="Supervision records <records@localhost>",
            show_default=True,
            help="The From address.",
        ),
        click.option("--return-address", help="Where returns go (default: reply to the email)."),
        click.option(
            "--return-url",
            metavar="URL",
            help="The web face's address (supforms serve): each email carries the person's "
            "own return link, URL/r/TOKEN, to upload the filled form.",
        ),
        click.option(
            "--templates",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder with your own email templates: email_*.j2 (send, renew), reminder_*.j2.",
        ),
        store_option,
        json_option("One delivery per line on stdout."),
    ]
    for option in reversed(options):
        with_mail = option(with_mail)
    return with_mail


@click.command("send")
@click.argument("form", type=FORM)
@click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV, JSON or JSON Lines: one row per pair or group, with "
    "_to (recipients: 'Name <address>, …') and any prefill values.",
)
@out_option("output/sent", "Folder for the copies, manifest.jsonl and delivery.jsonl.")
@mail_options
@click.option("--dry-run", is_flag=True, help="Show what would go where; send nothing.")
@click.option("--resume", is_flag=True, help="Send only what did not go last time.")
@click.option(
    "--new-batch",
    is_flag=True,
    help="OUT holds a send of FORM already: send everyone a new copy all the same "
    "(without it, or --resume, such a send is refused).",
)
@click.option(
    "--carry-actions",
    is_flag=True,
    help="Session records: prefill each pair's open action points from their last "
    "complete session record in the store.",
)
@click.pass_obj
def send_command(
    settings: Settings,
    form: str,
    roster: Path,
    out: Path,
    mail: Any,
    dry_run: bool,
    resume: bool,
    new_batch: bool,
    carry_actions: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Email FORM, prefilled, to everyone on a roster (or write .eml files).

    \b
    Each row gets one prefilled copy (as `generate` makes it, registered in the
    store before any email of it leaves) and each of its recipients one email
    with the copy attached and what to do: fill, sign, return. A refused address
    or a dropped connection does not stop the batch; OUT/delivery.jsonl and the
    store say who got which document, and --resume sends only what did not go,
    each row the copy made from the same recipients and values. A send into a
    folder that holds one of FORM already is refused unless --resume or
    --new-batch says which is meant; copies a killed send left that nobody was
    sent are removed first.

    \b
    Examples:
      supforms send agreement --roster pairs.csv --dry-run
      supforms send agreement --roster pairs.csv                 # .eml files
      supforms send agreement --roster pairs.csv --smtp smtps://mail.local:465
    """
    from supforms.pipeline.cli.interrupt import exit_interrupted, interruptible

    import supforms

    with interruptible() as interrupt:
        sent = supforms.send(
            form,
            roster,
            out,
            mail=mail,
            store=store,
            resume=resume,
            new_batch=new_batch,
            dry_run_only=dry_run,
            config=settings.config,
            carry_actions=carry_actions,
        )
        interrupt.attach(sent.stop)
        _report_sweep(sent, out, settings)
        written = mail.smtp is None  # .eml files: written for someone to send, not sent
        items = iter(sent)
        with sent, progress(items, sent.total, "Sending", settings, as_json) as shown:
            for delivery in shown:
                show_delivery(delivery, settings, as_json, show_bar=shown is not items, eml=written)
    if sent.new_batch and not settings.quiet:
        earlier = sent.earlier.copies
        click.echo(
            f"A new batch: every row got a new copy; the {earlier} earlier "
            f"cop{'y' if earlier == 1 else 'ies'} in {printable(str(out))} stay issued.",
            err=True,
        )
    if interrupt.signum is not None:
        again = "run the same command again with --resume: what went is not sent again"
        exit_interrupted(interrupt, sent.done, max(0, sent.total - sent.done), "emails", again)
    if sent.failed and not settings.quiet:
        click.echo(
            f"{sent.failed} email(s) not sent: fix the cause and run again with --resume.",
            err=True,
        )
    exit_for(needs_person=sent.failed > 0)


def _report_sweep(sent: Deliveries, out: Path, settings: Settings) -> None:
    """The copies an interrupted send left, removed before this one began."""
    if sent.swept and not settings.quiet:
        click.echo(
            f"Removed {len(sent.swept)} cop{'y' if len(sent.swept) == 1 else 'ies'} an "
            f"interrupted send left in {printable(str(out))}, never registered or sent: "
            + ", ".join(printable(name) for name in sent.swept),
            err=True,
        )


def show_delivery(
    delivery: Delivery, settings: Settings, as_json: bool, show_bar: bool, eml: bool = False
) -> None:
    """One delivery: a JSON line, a line on stderr if it needs a person, else a table row.

    With ``eml`` a message that went is said to be ``written`` (to a .eml file), not sent.
    """
    if as_json:
        click.echo(json_line(asdict(delivery)))
    elif delivery.status in ("failed", "unknown", "refused"):
        who = printable(delivery.recipient or delivery.document_id)
        if delivery.status == "failed":
            click.echo(f"{who}: not sent: {printable(delivery.detail)}", err=True)
        else:
            click.echo(f"{who}: {delivery.status}: {printable(delivery.detail)}", err=True)
    elif not (settings.quiet or show_bar):
        status = "written" if eml and delivery.status == "sent" else delivery.status
        click.echo(
            f"{status:<8} {delivery.document_id or '-':<20} "
            f"{printable(delivery.recipient)}"
            + (f"  (reminder {delivery.reminder})" if delivery.reminder else "")
        )


@click.command("print")
@click.argument("form", type=FORM)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Prefill records (CSV, JSON, JSON Lines): one copy each.",
)
@click.option(
    "--count",
    type=click.IntRange(1, 10000),
    default=1,
    show_default=True,
    help="Without --data: how many blank copies.",
)
@out_option(None, "The pack's file (default: output/print/FORM-pack-N.pdf).", folder=False)
@click.option(
    "--simplex",
    is_flag=True,
    help="For a printer that prints one side: no blank page after a copy of odd length.",
)
@store_option
@click.pass_obj
def print_command(
    settings: Settings,
    form: str,
    data: Path | None,
    count: int,
    out: Path | None,
    simplex: bool,
    store: str | None,
) -> None:
    """Make one print-ready PDF: many copies of FORM, fields flattened into the page.

    \b
    Every copy has its own document id in each page's footer and QR code, so
    pages filled in by hand and scanned can be matched to the copy they were.
    Every copy, blank or prefilled, is recorded in the store's issuance registry.
    Each copy starts on a new sheet (a blank page follows a copy of odd length), so
    a duplex printer never prints one person's form on the back of another's;
    --simplex leaves the blanks out.

    \b
    Examples:
      supforms print contract --count 10            # ten blank contracts
      supforms print agreement --data pairs.csv -o agreements.pdf
    """
    from supforms.pipeline.cli.interrupt import exit_interrupted, interruptible
    from supforms.pipeline.delivery.printing import make_pack, printing_store, save_pack

    # Ctrl-C while the pack is made: nothing written, nothing registered. Once it is
    # made, a signal waits for it to be written whole and registered (a moment).
    with interruptible() as interrupt, printing_store(store) as registry:
        pack = make_pack(
            form, data=data, count=count, target=out, config=settings.config,
            duplex=not simplex,
        )  # fmt: skip
        interrupt.attach(lambda: None)
        save_pack(pack, registry)
    copies = f"{len(pack.issued)} {form} cop{'y' if len(pack.issued) == 1 else 'ies'}"
    if not settings.quiet or interrupt.signum is not None:
        click.echo(f"Wrote {copies} to {pack.target}")
    if interrupt.signum is not None:
        exit_interrupted(interrupt, len(pack.issued), 0, "copies", "the pack is whole")
