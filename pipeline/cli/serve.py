"""``supforms serve``: the web face (return pages, dashboard) over a records store."""

from __future__ import annotations

import os
from pathlib import Path

import click
from supforms.pipeline.cli.common import store_option

__all__ = ["serve_command"]


@click.command("serve")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True,
    help="Worker processes (each opens the store once).",
)  # fmt: skip
@click.option(
    "--returns", type=click.Path(file_okay=False, path_type=Path), default=Path("output/returns"),
    show_default=True,
    help="Folder for each upload through a return link and its ingest results.",
)  # fmt: skip
@click.option(
    "--proxy", "proxies", metavar="ADDRESS", multiple=True,
    help="A TLS proxy in front (its address): trust its X-Forwarded-* headers.",
)  # fmt: skip
def serve_command(
    store: str | None,
    host: str,
    port: int,
    workers: int,
    returns: Path,
    proxies: tuple[str, ...],
) -> None:
    """Serve the return pages and the dashboard over the store.

    \b
    With no options it serves the embedded default store (output/records.db) on
    http://127.0.0.1:8000/. Behind a council's TLS proxy run several workers, or
    several hosts, on one PostgreSQL store. GET /health answers 200. The
    dashboard, the record pages and /api/compliance are for those who sign in:
    add their accounts with `supforms users add`.

    \b
    Examples:
      supforms serve
      supforms serve --store postgresql://supforms@db/records --host 0.0.0.0 \\
          --workers 4 --proxy 10.0.0.5
    """
    import uvicorn
    from supforms.pipeline.records.opening import open_store, store_url
    from supforms.pipeline.records.preflight import check_folder

    url = store_url(store)
    open_store(url).close()  # a store that cannot be opened is one line here, not per worker
    check_folder(returns)  # and so is a returns folder that cannot be written
    os.environ["SUPFORMS_STORE"] = url  # each worker process opens it from here
    os.environ["SUPFORMS_RETURNS"] = str(returns.absolute())
    uvicorn.run(
        "supforms.pipeline.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=list(proxies) or None,
        server_header=False,
        log_level="info",
    )
