"""``supforms send`` and ``supforms print``: forms out to people, by email or on paper."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from supforms.pipeline.cli.common import (
    STORE_OPTION_HELP,
    Settings,
    check_store_option,
    exit_for,
    handle_errors,
    json_line,
    printable,
    progress,
)
from supforms.pipeline.delivery.data import load_records
from supforms.pipeline.delivery.deliver import check_roster, send
from supforms.pipeline.delivery.deliver import dry_run as dry_run_of
from supforms.pipeline.delivery.delivery_log import Delivery
from supforms.pipeline.delivery.generate import check_records
from supforms.pipeline.delivery.notify import (
    EmlFolder,
    SmtpServer,
    Transport,
    check_setting,
    parse_sender,
)
from supforms.pipeline.delivery.printing import write_pack
from supforms.pipeline.delivery.roster import recipients_of
from supforms.pipeline.records.preflight import check_folder, writable_store
from supforms.pipeline.records.store import store_url
from supforms.schemas.registry import form_ids

__all__ = ["mail_options", "print_command", "send_command", "transport_for"]


def mail_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """How messages go, for ``send``, ``remind`` and ``renew``: one meaning, one safety."""
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
            "--templates",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder with your own email templates: email_*.j2 (send, renew), reminder_*.j2.",
        ),
        click.option("--store", callback=check_store_option, help=STORE_OPTION_HELP),
        click.option("--json", "as_json", is_flag=True, help="One delivery per line on stdout."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def transport_for(
    smtp: str | None, smtp_insecure: bool, eml_dir: Path | None, out: Path
) -> Transport:
    return SmtpServer(smtp, insecure=smtp_insecure) if smtp else EmlFolder(eml_dir or out / "eml")


@click.command("send")
@click.argument("form", type=click.Choice(form_ids()), metavar="FORM")
@click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV, JSON or JSON Lines: one row per pair or group, with "
    "_to (recipients: 'Name <address>, …') and any prefill values.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/sent"),
    show_default=True,
    help="Folder for the copies, manifest.jsonl and delivery.jsonl.",
)
@mail_options
@click.option("--dry-run", is_flag=True, help="Show what would go where; send nothing.")
@click.option("--resume", is_flag=True, help="Send only what did not go last time.")
@click.pass_obj
def send_command(
    settings: Settings,
    form: str,
    roster: Path,
    out: Path,
    eml_dir: Path | None,
    smtp: str | None,
    smtp_insecure: bool,
    sender: str,
    return_address: str | None,
    templates: Path | None,
    dry_run: bool,
    resume: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Email FORM, prefilled, to everyone on a roster (or write .eml files).

    \b
    Each row gets one prefilled copy (as `generate` makes it, registered in the
    store before any email of it leaves) and each of its recipients one email
    with the copy attached and what to do: fill, sign, return. A refused address
    or a dropped connection does not stop the batch; OUT/delivery.jsonl says
    who got which document, and --resume sends only what did not go, each row
    the copy made from the same recipients and values.

    \b
    Examples:
      supforms send agreement --roster pairs.csv --dry-run
      supforms send agreement --roster pairs.csv                 # .eml files
      supforms send agreement --roster pairs.csv --smtp smtps://mail.local:465
    """
    failed = 0
    with handle_errors():
        sender = parse_sender(sender)
        check_setting("--return-address", return_address)
        transport = transport_for(smtp, smtp_insecure, eml_dir, out)
        records = check_roster(roster)
        if dry_run:
            for delivery in dry_run_of(form, records, out):
                _show(delivery, settings, as_json, show_bar=False)
            sys.exit(0)
        check_records(form, records, str(roster), settings.wording())
        check_folder(out)
        with writable_store(store_url(store)) as registry:
            transport.open()
            deliveries = send(
                form,
                records,
                out,
                transport,
                registry,
                sender=sender,
                source=str(roster),
                resume=resume,
                templates=templates,
                wording=settings.wording(),
                return_address=return_address,
            )
            total = sum(len(recipients_of(r)) for r in records)
            try:
                with progress(deliveries, total, "Sending", settings, as_json) as shown:
                    for delivery in shown:
                        failed += delivery.status == "failed"
                        _show(delivery, settings, as_json, show_bar=shown is not deliveries)
            finally:
                transport.close()
    if failed and not settings.quiet:
        click.echo(
            f"{failed} email(s) not sent: fix the cause and run again with --resume.", err=True
        )
    exit_for(needs_person=failed > 0)


def _show(delivery: Delivery, settings: Settings, as_json: bool, show_bar: bool) -> None:
    if as_json:
        click.echo(json_line(asdict(delivery)))
    elif delivery.status == "failed":
        click.echo(
            f"{printable(delivery.recipient)}: not sent: {printable(delivery.detail)}", err=True
        )
    elif not (settings.quiet or show_bar):
        click.echo(
            f"{delivery.status:<8} {delivery.document_id or '-':<20} "
            f"{printable(delivery.recipient)}"
        )


@click.command("print")
@click.argument("form", type=click.Choice(form_ids()), metavar="FORM")
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
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The pack's file (default: output/print/FORM-pack-N.pdf).",
)
@click.option("--store", callback=check_store_option, help=STORE_OPTION_HELP)
@click.pass_obj
def print_command(
    settings: Settings,
    form: str,
    data: Path | None,
    count: int,
    out: Path | None,
    store: str | None,
) -> None:
    """Make one print-ready PDF: many copies of FORM, fields flattened into the page.

    \b
    Every copy has its own document id in each page's footer and QR code, so
    pages filled in by hand and scanned can be matched to the copy they were.
    Every copy, blank or prefilled, is recorded in the store's issuance registry.

    \b
    Examples:
      supforms print contract --count 10            # ten blank contracts
      supforms print agreement --data pairs.csv -o agreements.pdf
    """
    with handle_errors():
        records = load_records(data) if data else None
        target = out or Path("output/print") / f"{form}-pack-{len(records or []) or count}.pdf"
        check_folder(target.parent)
        # Paper copies, blank ones too, are issued: a scan of one is matched by its id.
        with writable_store(store_url(store)) as registry:
            issued = write_pack(
                form,
                records,
                count,
                target=target,
                source=str(data or ""),
                wording=settings.wording(),
                store=registry,
            )
    if not settings.quiet:
        click.echo(
            f"Wrote {len(issued)} {form} cop{'y' if len(issued) == 1 else 'ies'} to {target}"
        )
