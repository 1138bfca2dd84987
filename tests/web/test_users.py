"""``supforms users``: accounts added, listed and removed; argon2 hashes; audited; refusals."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from supforms.pipeline.cli import cli
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.web.accounts import check_password


def users(store: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["users", *args, "--store", store], input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_add_list_and_remove_accounts_with_their_audit_lines(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'records.db'}"
    code, out, _ = users(
        store, "add", "Amira Okafor", "--role", "manager", "--team", "East", "--team", "West",
        "--password-stdin", stdin="a long pass phrase\n",
    )  # fmt: skip
    assert code == 0, out
    assert out == "Added Amira Okafor, manager (teams: East, West).\n"
    code, out, _ = users(
        store, "add", "Lee Chan", "--role", "auditor", stdin="pass phrase two\n" * 2
    )
    assert code == 0  # typed at the prompt, twice
    code, out, _ = users(store, "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(u["name"], u["role"], u["teams"]) for u in listed] == [
        ("Amira Okafor", "manager", ["East", "West"]),
        ("Lee Chan", "auditor", []),
    ]
    assert "hash" not in out
    assert "argon2" not in out
    code, out, _ = users(store, "list")
    assert out.splitlines()[0].split() == ["NAME", "ROLE", "ADDED", "TEAMS"]
    records = open_store(store)
    try:
        stored = records.web_user("Amira Okafor")
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert check_password(records, "Amira Okafor", "a long pass phrase") == stored
        assert check_password(records, "Amira Okafor", "a long pass phrase!") is None
        assert check_password(records, "Nobody", "a long pass phrase") is None
    finally:
        records.close()
    assert users(store, "remove", "Lee Chan") == (0, "Removed Lee Chan.\n", "")
    records = open_store(store)
    try:
        lines = [(line["action"], json.loads(line["detail"])) for line in records.audit_log()]
        assert records.web_user("Lee Chan") is None
    finally:
        records.close()
    assert lines == [
        ("user-add", {"name": "Amira Okafor", "role": "manager", "teams": ["East", "West"]}),
        ("user-add", {"name": "Lee Chan", "role": "auditor", "teams": []}),
        ("user-remove", {"name": "Lee Chan"}),
    ]


def test_refusals_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'records.db'}"
    ok = ("add", "Amira Okafor", "--role", "officer", "--password-stdin")
    assert users(store, *ok, stdin="a long pass phrase\n")[0] == 0
    cases = [
        (ok, "there is an account 'Amira Okafor' already: remove it first"),
        (("add", "Bea", "--role", "manager", "--password-stdin"), "name at least one --team"),
        (("add", "Bea", "--role", "officer", "--team", "East", "--password-stdin"),
         "--team is for managers"),
        (("add", "Bea\x1b[2J", "--role", "officer", "--password-stdin"), "not an account name"),
        (("remove", "Nobody"), "no account 'Nobody'"),
    ]  # fmt: skip
    for args, words in cases:
        code, out, err = users(store, *args, stdin="a long pass phrase\n")
        assert code == 2, args
        assert words in err, err
        assert len(err.strip().splitlines()) == 1
    code, _, err = users(
        store, "add", "Bea", "--role", "officer", "--password-stdin", stdin="short\n"
    )
    assert code == 2
    assert "the password is too short: at least 12 characters" in err
    code, _, err = users(store, "add", "Bea", "--role", "officer", "--password", "x" * 20)
    assert code == 2  # a password is never an argument: there is no such option
    assert "No such option '--password'" in err
    records = open_store(store)
    try:
        assert [u.name for u in records.web_users()] == ["Amira Okafor"]
        assert [line["action"] for line in records.audit_log()] == ["user-add"]
    finally:
        records.close()
