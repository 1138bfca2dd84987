"""Shared fixtures: sample records per form, generated PDFs, and the rasterisers."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forms.template import compiled_form
from pipeline.generate import issue_copy
from schemas.common import FormModel
from schemas.registry import form_ids, latest

SEEDS = Path(__file__).resolve().parent / "seeds"
"""The seed documents, copied from ../shared/seeds so a clone anywhere can test against them."""
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ISSUED_AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

SAMPLES: dict[str, dict[str, object]] = {
    "contract": {
        "supervisee": {
            "name": "Zoë Ó Briain",
            "department": "Children’s Services — Łódź liaison",
            "directorate": "Ахмед Directorate",
        },
        "supervisor": {"name": "Ayşe Yılmaz"},
        "signatures": {"date": "03/04/2026"},
    },
    "agreement": {
        "supervisee": {"name": "Łukasz Wiśniewski", "job_title": "Social Worker"},
        "supervisor": {"name": "Ахмед Иванов", "job_title": "Team Manager"},
        "agreed_on": "2026-04-03",
        "regularity": {"sessions_per_year": 10, "weeks_between_sessions": 5},
        "signatures": {"supervisee": {"date": "04/04/2026"}},
    },
    "group-record": {
        "held_on": "21/11/2026",
        "case_reference": "CF-0042",
        "team": "East",
        "participants": [
            {"name": "Zoë Ó Briain", "role": "Facilitator", "team": "East"},
            {"name": "Ελένη Παπαδοπούλου", "role": "Observer/participant"},
        ],
        "genogram": "Mother (Ayşe, 34)\nFather (Łukasz, 36)\nMaya (7), Jon (3)",
        "description": "Maya has missed twelve days of school this term.",
        "workers_goal": "Decide whether a conference is needed.",
        "scales": {"safety": 4, "plan_confidence": 7},
        "review": {"enough_for_now": True},
        "actions": [
            {"action": "Visit with grandmother", "by_whom": "Ахмед", "by_when": "28/11/2026"}
        ],
    },
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/*.json from the forms"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def sample_record(form_id: str) -> FormModel:
    return latest(form_id).model_validate(SAMPLES[form_id])


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
        for table in ("audit", "records", "issued", "imap_seen", "store_meta"):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A fresh records store URL: a SQLite file, and a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/records.db"
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL, e.g. via .ci/postgres start)")
    return _fresh_postgres(url)
