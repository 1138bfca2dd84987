"""On PostgreSQL with ``records roles``: only the owner manages accounts.

The web face serves as the ingest role, which reads the accounts and writes its
read lines, and may not add or remove an account.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from supforms.pipeline.cli import cli
from supforms.pipeline.records.opening import open_store

from tests.pipeline.compliance_fixture import Person, archive_people
from tests.pipeline.test_roles import Roles, roles  # noqa: F401  (the fixture)
from tests.web.server import serving
from tests.web.signing import reads, sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def add(url: str, name: str, role: str = "officer") -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["users", "add", name, "--role", role, "--password-stdin", "--store", url],
        input="officer pass phrase here\n",
    )  # fmt: skip
    return result.exit_code, result.stderr


def test_only_the_owner_manages_accounts_and_the_ingest_role_serves(
    roles: Roles,  # noqa: F811
    tmp_path: Path,
) -> None:
    person = Person("East Late", "Eve Stone")
    person.agreement("2026-01-10", 12, 4)
    person.contract("2026-01-10", "East")
    store = open_store(roles.admin)
    archive_people(store, [person])
    store.close()
    assert add(roles.url(roles.owner), "Chloé Martin") == (0, "")
    for other in (roles.ingest, roles.auditor):
        code, err = add(roles.url(other), "Mallory")
        assert code == 1, err
        assert err.startswith("supforms: ")
        assert len(err.strip().splitlines()) == 1
        refused = CliRunner().invoke(
            cli, ["users", "remove", "Chloé Martin", "--store", roles.url(other)]
        )
        assert refused.exit_code == 1
    store = open_store(roles.admin)
    assert [u.name for u in store.web_users()] == ["Chloé Martin"]
    store.close()
    before = len(reads(roles.admin))
    with serving(roles.url(roles.ingest), tmp_path) as server, server.client() as client:
        assert sign_in(client, "Chloé Martin").status_code == 303
        assert client.get("/").status_code == 200
        assert client.get("/records/1").status_code == 200
    lines = reads(roles.admin)[before:]
    assert {line["detail"]["how"] for line in lines} == {"web dashboard", "web record"}
    assert {line["actor"] for line in lines} == {roles.ingest}  # the server's own role stamps
    assert {line["detail"]["by"] for line in lines} == {"Chloé Martin"}  # and who asked
