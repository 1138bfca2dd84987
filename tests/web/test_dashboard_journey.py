"""The dashboard for real: ``supforms serve`` as a subprocess, Debian's Chromium, axe-core.

A manager signs in with the keyboard and reads the figures ``supforms records
compliance`` prints for the same store; another team's record is a 403; every
page passes axe-core (WCAG 2.2 AA) and is kept as a screenshot. On PostgreSQL too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.web.browser import journey
from tests.web.server import SUPFORMS, serving
from tests.web.signing import sign_in, token
from tests.web.teams import PASSWORDS, make_store

pytestmark = pytest.mark.slow
SHOTS = Path(__file__).parents[2] / "output" / "web-screenshots"  # git-ignored, to look at


def cli_compliance(store: str, *args: str) -> str:
    done = subprocess.run(
        [str(SUPFORMS), "records", "compliance", "--json", "--store", store, *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cells(*values: object) -> str:
    return "\t".join(str(v) for v in values)


def _sign_in_by_keyboard(password: str, when: str) -> list[dict]:
    """From the top of the sign-in page: Tab past the skip link and the service name."""
    return [
        {"press": "Tab"}, {"press": "Tab"}, {"press": "Tab"}, {"focused": True, "as": f"{when} 1"},
        {"type": "Amira Okafor"}, {"press": "Tab"}, {"focused": True, "as": f"{when} 2"},
        {"type": password}, {"keyboard_submit": True, "as": when},
    ]  # fmt: skip


def _page(url: str, name: str, shots: Path) -> list[dict]:
    """Open ``url`` (unless it was just reached), run axe, keep a screenshot, read the text."""
    opening = [{"goto": url, "as": f"{name} opened"}] if url else []
    return [
        *opening, {"axe": True, "as": f"{name} axe"},
        {"screenshot": str(shots / f"{name}.png")}, {"text": True, "as": name},
    ]  # fmt: skip


def walk(steps: list[dict], tmp: Path) -> dict[str, dict]:
    """The journey's results, by the name (``as``) each step was given."""
    results = journey(steps, tmp)
    return {step["as"]: result for step, result in zip(steps, results, strict=True) if "as" in step}


def test_a_manager_signs_in_and_sees_the_compliance_of_their_teams(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'records.db'}"
    ids = make_store(store)
    with serving(store, tmp_path) as server:
        base = server.base
        seen = walk(
            [
                {"goto": f"{base}/", "as": "first"}, *_page("", "sign-in", tmp_path),
                *_sign_in_by_keyboard("not the right one", "wrong"),
                *_page("", "sign-in-error", tmp_path),
                {"goto": f"{base}/sign-in?next=%2F"},
                *_sign_in_by_keyboard(PASSWORDS["Amira Okafor"], "right"),
                *_page("", "dashboard", tmp_path),
                *_page(f"{base}/records/{ids['East']}", "record", tmp_path),
                *_page(f"{base}/records/{ids['West']}", "forbidden", tmp_path),
            ],
            tmp_path,
        )  # fmt: skip
        with server.client() as client:  # another person's name, guessed at: held
            for _ in range(5):
                assert sign_in(client, "Bogdan Nowak", "a wrong guess").status_code == 200
        with server.client() as client:
            assert sign_in(client, "Amira Okafor").status_code == 303
            api = client.get("/api/compliance")
        seen |= walk(
            [
                {"goto": f"{base}/sign-in"}, {"press": "Tab"}, {"press": "Tab"}, {"press": "Tab"},
                {"type": "Bogdan Nowak"}, {"press": "Tab"}, {"type": PASSWORDS["Bogdan Nowak"]},
                {"keyboard_submit": True, "as": "held"}, *_page("", "too-many", tmp_path),
            ],
            tmp_path,
        )  # fmt: skip
        expected = cli_compliance(store, "--team", "East")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in tmp_path.glob("*.png"):
        shutil.copy(shot, SHOTS)
    assert (seen["first"]["status"], seen["first"]["url"]) == (200, f"{base}/sign-in?next=%2F")
    for when in ("wrong", "right"):
        assert (seen[f"{when} 1"]["id"], seen[f"{when} 1"]["label"]) == ("name", "Name")
        assert (seen[f"{when} 2"]["id"], seen[f"{when} 2"]["type"]) == ("password", "password")
    assert seen["wrong"]["status"] == 200
    assert "Enter a correct name and password" in seen["sign-in-error"]["text"]
    assert seen["right"]["url"] == f"{base}/"
    assert seen["right"]["status"] == 200
    dashboard = seen["dashboard"]["text"]
    assert seen["record opened"]["status"] == 200
    assert f"Record {ids['East']}" in seen["record"]["text"]
    assert "Download the original PDF" in seen["record"]["text"]
    assert seen["forbidden opened"]["status"] == 403
    assert "You cannot see this page" in seen["forbidden"]["text"]
    assert "West Alone" not in seen["forbidden"]["text"]
    assert seen["held"]["status"] == 429
    assert "Too many attempts to sign in" in seen["too-many"]["text"]
    for name in ("sign-in", "sign-in-error", "dashboard", "record", "forbidden", "too-many"):
        assert seen[f"{name} axe"]["violations"] == [], (name, seen[f"{name} axe"]["violations"])
        assert seen[f"{name} axe"]["passes"] > 5
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
    # The same figures as supforms records compliance --json (--team East: her team).
    assert api.status_code == 200
    assert api.text == expected  # the very lines the command prints
    lines = [json.loads(line) for line in expected.splitlines()]
    teams = [line for line in lines if line["kind"] == "team"]
    assert [t["team"] for t in teams] == ["East"]
    for line in teams:
        assert _cells(
            line["team"], line["supervisees"], line["on_track"],
            f"{line['percent_on_track']}%", line["overdue"],
        ) in dashboard  # fmt: skip
    for line in (line for line in lines if line["kind"] == "supervisor"):
        assert _cells(line["supervisor"], line["supervisees"], line["on_track"]) in dashboard
    rows = [line for line in lines if line["kind"] == "supervisee"]
    assert len(rows) == 4
    for row in rows:
        cells = _cells(row["supervisee"], row["supervisor"], row["team"], row["sessions_held"])
        assert cells in dashboard
        assert row["status"] in dashboard
    assert "West Worker" not in dashboard


@pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)
def test_the_dashboard_and_the_api_on_each_kind_of_store(store_url: str, tmp_path: Path) -> None:
    ids = make_store(store_url)
    with serving(store_url, tmp_path) as server, server.client() as client:
        for path in ("/", f"/records/{ids['West']}", f"/records/{ids['West']}/original"):
            assert client.get(path).status_code == 303
        assert client.get("/api/compliance").status_code == 401
        assert sign_in(client, "Chloé Martin").status_code == 303
        dashboard = client.get("/")
        record = client.get(f"/records/{ids['West']}")
        original = client.get(f"/records/{ids['West']}/original")
        api = client.get("/api/compliance")
    assert dashboard.status_code == 200
    assert "East Late" in dashboard.text
    assert "West Alone" in dashboard.text
    assert record.status_code == 200
    assert original.content.startswith(b"%PDF")
    assert api.text == cli_compliance(store_url)


def test_behind_a_tls_proxy_the_cookies_are_secure(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'records.db'}"
    make_store(store)
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"}
    with serving(store, tmp_path, "--proxy", "127.0.0.1") as server:
        with server.client(headers=https) as client:
            form = client.get("/sign-in")
            csrf = form.headers["set-cookie"]
            # httpx keeps a Secure cookie from an http:// address: it is sent by hand, as a
            # browser talking https to the proxy would send it.
            signed = client.post(
                "/sign-in",
                data={"csrf_token": token(form.text), "name": "Amira Okafor",
                      "password": PASSWORDS["Amira Okafor"], "next": "/"},
                headers={"cookie": csrf.split(";")[0]},
            )  # fmt: skip
        with server.client() as client:  # straight to the worker, over http
            plain = sign_in(client, "Amira Okafor")
    assert "Secure" in csrf
    assert signed.status_code == 303
    assert "Secure" in signed.headers["set-cookie"]
    assert "HttpOnly" in signed.headers["set-cookie"]
    assert plain.status_code == 303
    assert "Secure" not in plain.headers["set-cookie"]
