"""Shared fixtures: sample records per form, generated PDFs, and the rasterisers."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from supforms.forms.values import nest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.common import FormModel
from supforms.schemas.registry import BUILT_IN, form_ids, latest

SEEDS = Path(__file__).resolve().parent / "seeds"
"""The seed documents, copied from ../shared/seeds so a clone anywhere can test against them."""
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ISSUED_AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
BUILT_IN_IDS = [str(model.model_fields["form_id"].default) for model in BUILT_IN]
"""The built-in forms' ids, in the order ``supforms forms --ids`` lists them (plugins after)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/*.json from the forms"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def sample_record(form_id: str) -> FormModel:
    """The filled-in example the form declares (``Declaration.sample``)."""
    model = latest(form_id)
    return model.model_validate(nest(dict(model.declaration.sample if model.declaration else {})))


@pytest.fixture(params=form_ids())
def form_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sample():
    return sample_record


@pytest.fixture(scope="session")
def blank_pdfs() -> dict[str, bytes]:
    return {fid: issue_copy(compiled_form(fid), None, issued_at=ISSUED_AT)[1] for fid in form_ids()}


@pytest.fixture(scope="session")
def filled_pdfs() -> dict[str, bytes]:
    return {
        fid: issue_copy(compiled_form(fid), sample_record(fid), issued_at=ISSUED_AT)[1]
        for fid in form_ids()
    }


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing: .ci/run must install it")
        pytest.skip(f"{tool} not installed (poppler-utils)")


@pytest.fixture
def poppler() -> None:
    _need("pdftoppm")
    _need("pdftotext")


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    """Every test's default store is its own SQLite file, never output/records.db."""
    monkeypatch.setenv("SUPFORMS_STORE", f"sqlite:///{tmp_path}/default-store.db")


def _fresh_postgres(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        for table in (
            "audit",
            "records",
            "issued",
            "imap_seen",
            "deliveries",
            "issued_pdfs",
            "return_links",
            "web_users",
            "store_meta",
        ):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def store_url(request, tmp_path):
    """A fresh records store URL: a SQLite file, and a real PostgreSQL database.

    The PostgreSQL cases are ``slow`` too: the inner loop (``-m "not slow"``) reads
    and writes SQLite, and CI runs both.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/records.db"
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL, e.g. via .ci/postgres start)")
    return _fresh_postgres(url)


@pytest.fixture
def smtp():
    """A real SMTP server on loopback, and the mailbox it delivers into."""
    from tests.smtp import Mailbox, smtp_server

    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        yield mailbox, url


@pytest.fixture
def starttls_smtp(tmp_path, monkeypatch):
    """The same with STARTTLS, its certificate from a CA this test trusts (SSL_CERT_FILE)."""
    from tests.smtp import Mailbox, Tls, smtp_server

    tls = Tls.make(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))
    mailbox = Mailbox()
    with smtp_server(mailbox, starttls=tls) as url:
        yield mailbox, url
