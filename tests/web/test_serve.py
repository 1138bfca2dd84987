"""``supforms serve``: a real uvicorn on loopback, its plain answers and its headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.server import serving

pytestmark = pytest.mark.slow


def test_serve_answers_health_and_a_plain_404_with_strict_headers(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with serving(store, tmp_path) as server, server.client() as client:
        assert client.get("/health").status_code == 200
        missing = client.get("/no/such/page")
        assert missing.status_code == 404
        assert "Page not found" in missing.text
        assert "Traceback" not in missing.text
        policy = missing.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy  # no script at all
        assert missing.headers["referrer-policy"] == "no-referrer"
        assert missing.headers["cache-control"] == "no-store"
        assert "server" not in missing.headers
        css = client.get("/static/govuk/govuk-frontend.css")
        assert css.status_code == 200
        assert ".govuk-header" in css.text
    assert (tmp_path / "records.db").exists()  # a trial needs nothing else: the store is made


def test_serve_with_no_options_uses_the_embedded_default_store(tmp_path: Path) -> None:
    # The default is relative to where it runs: output/records.db under that folder.
    with serving("sqlite:///output/records.db", tmp_path) as server, server.client() as client:
        assert client.get("/health").status_code == 200
    assert (tmp_path / "output" / "records.db").exists()


def test_serve_refuses_a_store_it_cannot_open_in_one_line(tmp_path: Path) -> None:
    import subprocess

    from tests.web.server import SUPFORMS

    done = subprocess.run(
        [str(SUPFORMS), "serve", "--store", "mysql://nowhere/x"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "a mysql store is not supported: use sqlite:///FILE or postgresql://" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_names_a_missing_database_in_one_line(tmp_path: Path) -> None:
    import subprocess

    from tests.web.server import SUPFORMS, free_port

    url = f"postgresql://nobody@127.0.0.1:{free_port()}/none"  # nothing listens there
    done = subprocess.run(
        [str(SUPFORMS), "serve", "--store", url],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("supforms: ")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_not_found_page_passes_axe_in_chromium(tmp_path: Path) -> None:
    from tests.web.browser import journey

    shot = tmp_path / "not-found.png"
    with serving(f"sqlite:///{tmp_path / 'r.db'}", tmp_path) as server:
        opened, audit, _ = journey(
            [{"goto": f"{server.base}/r/not-a-token"}, {"axe": True}, {"screenshot": str(shot)}],
            tmp_path,
        )
    assert opened["status"] == 404
    assert audit["violations"] == []
    assert audit["passes"] > 5
    assert shot.stat().st_size > 1000
