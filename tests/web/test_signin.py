"""Signing in, sessions and least privilege, in process (Starlette's test client, httpx).

The application is the one ``supforms serve`` runs (``create_app``) on a real
SQLite store; only the socket is left out. The browser and subprocess cases are
in ``test_dashboard_journey.py``.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.web.app import create_app
from supforms.pipeline.web.signin import PER_ADDRESS, PER_NAME

from tests.web.signing import reads, sign_in, token
from tests.web.teams import make_store

with warnings.catch_warnings():  # this Starlette would rather have "httpx2": httpx is enough
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PAGES = ["/", "/records/1", "/records/1/original", "/records/999999"]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The store, made once (hashing four passwords takes a while); each test gets a copy."""
    path = tmp_path_factory.mktemp("teams") / "records.db"
    return path, make_store(f"sqlite:///{path}")


@pytest.fixture
def site(made, tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    path, ids = made
    copy = tmp_path / "records.db"
    copy.touch(mode=0o600)
    copy.write_bytes(path.read_bytes())
    return f"sqlite:///{tmp_path / 'records.db'}", ids


def client_for(url: str, base: str = "http://testserver") -> TestClient:
    return TestClient(create_app(url), base_url=base, follow_redirects=False)


def test_nothing_is_shown_without_signing_in(site) -> None:
    url, ids = site
    with client_for(url) as client:
        for path in [*PAGES, f"/records/{ids['West']}", "/?on=2026-01-01"]:
            answer = client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/sign-in?next=%2F"), path
        api = client.get("/api/compliance")
        assert api.status_code == 401
        assert api.json() == {"error": "sign in first"}
        assert client.get("/sign-in").status_code == 200
    assert reads(url) == []  # nothing was read


def test_a_forged_or_tampered_session_is_no_session(site) -> None:
    url, _ = site
    with client_for(url) as client:
        assert sign_in(client, "Amira Okafor").status_code == 303
        value = client.cookies["supforms_session"]
        body, signature = value.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body))
        payload["n"] = "Chloé Martin"  # an officer: sees every team
        forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        client.cookies.set("supforms_session", f"{forged}.{signature}")
        assert client.get("/").status_code == 303
        client.cookies.set("supforms_session", f"{body}.{'0' * 64}")
        assert client.get("/").status_code == 303
        client.cookies.set("supforms_session", value)
        assert client.get("/").status_code == 200


def test_a_removed_account_is_signed_out_at_its_next_request(site) -> None:
    url, _ = site
    with client_for(url) as client:
        sign_in(client, "Chloé Martin")
        assert client.get("/").status_code == 200
        store = open_store(url)
        store.remove_web_user("Chloé Martin")
        store.close()
        assert client.get("/").status_code == 303
        assert client.get("/api/compliance").status_code == 401


def test_a_wrong_name_and_a_wrong_password_get_the_same_generic_answer(site) -> None:
    url, _ = site
    with client_for(url) as client:
        wrong_password = sign_in(client, "Amira Okafor", "not her password at all")
        wrong_name = sign_in(client, "Nobody Here", "not her password at all")
    for answer in (wrong_password, wrong_name):
        assert answer.status_code == 200
        assert "Enter a correct name and password" in answer.text
        assert "supforms_session" not in answer.headers.get("set-cookie", "")
    strip = [
        wrong_password.text.replace("Amira Okafor", "X"),
        wrong_name.text.replace("Nobody Here", "X"),
    ]
    assert token(strip[0])
    assert strip[0].replace(token(strip[0]), "") == strip[1].replace(token(strip[1]), "")


def test_a_post_without_its_csrf_token_is_refused(site) -> None:
    url, _ = site
    with client_for(url) as client:
        client.get("/sign-in")
        login = {"name": "Amira Okafor", "password": "east manager pass phrase", "next": "/"}
        refused = client.post("/sign-in", data=login)
        assert refused.status_code == 403
        assert "This form could not be sent" in refused.text
        assert client.post("/sign-in", data={**login, "csrf_token": "0" * 64}).status_code == 403
        assert "supforms_session" not in client.cookies
        assert sign_in(client, "Amira Okafor").status_code == 303
        assert client.post("/sign-out", data={}).status_code == 403
        assert client.get("/").status_code == 200  # still signed in
        out = client.post("/sign-out", data={"csrf_token": token(client.get("/").text)})
        assert out.status_code == 303
        assert client.get("/").status_code == 303


def test_the_session_cookie_is_httponly_lax_expiring_and_secure_over_https(site) -> None:
    url, _ = site
    with client_for(url) as client:
        plain = sign_in(client, "Amira Okafor").headers["set-cookie"]
    with client_for(url, "https://testserver") as client:
        secure = sign_in(client, "Amira Okafor").headers["set-cookie"]
    for header in (plain, secure):
        assert header.startswith("supforms_session=")
        assert "HttpOnly" in header
        assert "SameSite=lax" in header
        assert "Max-Age=28800" in header
    assert "Secure" not in plain
    assert "Secure" in secure


def test_signing_in_goes_back_where_it_was_asked_but_never_to_another_site(site) -> None:
    url, ids = site
    with client_for(url) as client:
        page = f"/records/{ids['East']}"
        assert client.get(page).headers["location"] == f"/sign-in?next=%2Frecords%2F{ids['East']}"
        assert sign_in(client, "Amira Okafor", next_=page).headers["location"] == page
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        with client_for(url) as client:
            assert sign_in(client, "Amira Okafor", next_=elsewhere).headers["location"] == "/"


def test_too_many_wrong_passwords_for_a_name_are_refused_with_429(site) -> None:
    url, _ = site
    with client_for(url) as client:
        for _ in range(PER_NAME):
            assert sign_in(client, "Amira Okafor", "a wrong guess, again").status_code == 200
        blocked = sign_in(client, "Amira Okafor")  # even the right password, now
        assert blocked.status_code == 429
        assert "Too many attempts to sign in" in blocked.text
        assert blocked.headers["retry-after"] == "900"
        assert sign_in(client, "Bogdan Nowak").status_code == 303  # another name is not held


def test_too_many_failures_from_one_address_are_refused_with_429(site) -> None:
    url, _ = site
    with client_for(url) as client:
        for number in range(PER_ADDRESS):
            assert sign_in(client, f"Guess {number}", "a wrong guess, again").status_code == 200
        assert sign_in(client, "Chloé Martin").status_code == 429


def test_a_manager_reads_their_teams_only(site) -> None:
    url, ids = site
    with client_for(url) as client:
        sign_in(client, "Amira Okafor")
        assert client.get(f"/records/{ids['East']}").status_code == 200
        other = client.get(f"/records/{ids['West']}")
        assert other.status_code == 403
        assert "You cannot see this page" in other.text
        assert "West Alone" not in other.text
        assert client.get(f"/records/{ids['West']}/original").status_code == 403
        lines = [json.loads(line) for line in client.get("/api/compliance").text.splitlines()]
        assert {line["team"] for line in lines if line["kind"] == "supervisee"} == {"East"}
        dashboard = client.get("/").text
        assert "East Late" in dashboard
        assert "West" not in dashboard
    with client_for(url) as client:
        sign_in(client, "Chloé Martin")  # an officer reads every team
        assert client.get(f"/records/{ids['West']}").status_code == 200
        assert "West Alone" in client.get("/").text


def test_every_page_that_shows_stored_data_is_an_audited_read_first(site) -> None:
    url, ids = site
    with client_for(url) as client:
        sign_in(client, "Dev Patel")
        before = len(reads(url))
        assert client.get("/").status_code == 200
        dashboard = reads(url)[before:]
        assert {line["detail"]["how"] for line in dashboard} == {"web dashboard"}
        assert all(line["detail"]["by"] == "Dev Patel" for line in dashboard)
        assert any(line["detail"]["records"] for line in dashboard)
        for path, how in [
            (f"/records/{ids['West']}", "web record"),
            (f"/records/{ids['West']}/original", "web original"),
            ("/api/compliance", "web /api/compliance"),
        ]:
            before = len(reads(url))
            assert client.get(path).status_code == 200
            (line,) = reads(url)[before:]
            assert line["detail"]["how"] == how
            assert line["detail"]["by"] == "Dev Patel"
            assert line["detail"]["role"] == "auditor"
            if how != "web /api/compliance":
                assert line["detail"]["records"] == [ids["West"]]
    assert "pass phrase" not in Path(url.removeprefix("sqlite:///")).read_bytes().decode("latin-1")


def test_an_auditor_cannot_post_anything_that_changes_data(site) -> None:
    url, ids = site
    store = open_store(url)
    head = store.head()
    store.close()
    with client_for(url) as client:
        sign_in(client, "Dev Patel")
        app_routes = client.app.routes  # type: ignore[attr-defined]
        posts = {r.path for r in app_routes if "POST" in (getattr(r, "methods", None) or ())}
        changing = posts - {"/sign-in", "/sign-out"} - {p for p in posts if p.startswith("/r/")}
        form = {"csrf_token": token(client.get("/").text)}
        for path in [*sorted(changing), "/", f"/records/{ids['West']}", "/api/compliance"]:
            answer = client.post(path.replace("{record_id}", str(ids["West"])), data=form)
            assert answer.status_code in (403, 405), path
    store = open_store(url)
    lines = [line for line in store.audit_log() if line["id"] > head.id]
    store.close()
    assert {line["action"] for line in lines} <= {"read"}


def test_a_date_that_is_no_date_is_said_so_and_reads_nothing(site) -> None:
    url, _ = site
    with client_for(url) as client:
        sign_in(client, "Chloé Martin")
        before = len(reads(url))
        page = client.get("/", params={"on": "31/02/2026<b>"})
        api = client.get("/api/compliance", params={"on": "yesterday-ish"})
        assert reads(url)[before:] == []
        good = client.get("/api/compliance", params={"on": "31/03/2026", "team": "west"})
    assert page.status_code == 400
    assert "There is a problem" in page.text
    assert "31/02/2026<b>" not in page.text  # escaped where it is shown again
    assert api.status_code == 400
    assert api.json()["error"].startswith("on: ")
    rows = [json.loads(line) for line in good.text.splitlines()]
    assert {row["team"] for row in rows if row["kind"] == "supervisee"} == {"West"}
