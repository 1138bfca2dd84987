"""Signing in with an HTTP client, as a browser's form would."""

from __future__ import annotations

import re

import httpx

from tests.web.teams import PASSWORDS


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(
    client: httpx.Client, name: str, password: str | None = None, next_: str = "/"
) -> httpx.Response:
    """GET the form (for its token and cookie), then POST it; the POST's answer."""
    form = client.get("/sign-in")
    assert form.status_code in (200, 303), form.status_code
    if form.status_code == 303:  # signed in already
        form = client.get("/", follow_redirects=False)
    return client.post(
        "/sign-in",
        data={
            "csrf_token": token(form.text), "name": name,
            "password": PASSWORDS[name] if password is None else password, "next": next_,
        },
    )  # fmt: skip


def reads(store_url: str) -> list[dict]:
    """The store's ``read`` audit lines, oldest first, their detail parsed."""
    import json

    from supforms.pipeline.records.opening import open_store

    store = open_store(store_url)
    try:
        return [
            {**line, "detail": json.loads(line["detail"])}
            for line in store.audit_log()
            if line["action"] == "read"
        ]
    finally:
        store.close()
