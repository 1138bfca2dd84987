"""records purge --sent-out: the send folder forgets the names and addresses of the period."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.cli import run
from tests.deliveries import log_lines, manifest, outstanding, write_roster

PEOPLE = [("Alice Adams", "alice@example.org"), ("Bob Brown", "bob@example.org")]
PERSONAL = ("alice", "adams", "brown", "okafor", "example")  # names, addresses, supervisor


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).strftime("%d/%m/%Y")


def personal_data(folder: Path) -> list[str]:
    """Every file (and file name) under ``folder`` that holds a name or an address."""
    found = []
    for path in sorted(folder.rglob("*")):
        text = str(path.relative_to(folder)).lower()
        if path.is_file():
            text += path.read_bytes().decode("latin-1").lower()
        if any(word in text for word in PERSONAL):
            found.append(str(path.relative_to(folder)))
    return found


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def sent_folder(tmp_path: Path, store: str) -> Path:
    out = tmp_path / "sent"
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    code, _, err = run("send", "agreement", "--roster", str(roster), "--out", str(out),
                       "--store", store)  # fmt: skip
    assert code == 0, err
    return out


def purge(store: str, before: str, *extra: str) -> tuple[int, str, str]:
    return run("records", "purge", "--yes", "--store", store, "--before", before,
               "--ingest-out", "nowhere-ingest", *extra)  # fmt: skip


def test_purge_scrubs_the_send_folder(tmp_path, store_url):
    out = sent_folder(tmp_path, store_url)
    assert len(personal_data(out)) >= 6  # two copies, two emails, the manifest and the log
    copies = manifest(out)
    states = [(line["document_id"], line["status"], line["at"]) for line in log_lines(out)]
    before = snapshot(out)

    code, stdout, err = purge(store_url, _day(-1), "--sent-out", str(out))
    assert (code, err) == (0, "")
    assert f"In {out}: forgot 0 sent copy(ies), 0 line(s) and 0 file(s)." in stdout
    assert snapshot(out) == before  # not of the period: untouched

    code, stdout, err = purge(store_url, _day(1), "--sent-out", str(out))
    assert (code, err) == (0, "")
    assert f"In {out}: forgot 2 sent copy(ies), 6 line(s) and 4 file(s)." in stdout
    assert personal_data(out) == []
    assert not list(out.glob("*.pdf"))
    assert not list((out / "eml").glob("*.eml"))
    scrubbed = manifest(out)
    assert [c["document_id"] for c in scrubbed] == [c["document_id"] for c in copies]
    assert [(c["sha256"], c["issued_at"]) for c in scrubbed] == [
        (c["sha256"], c["issued_at"]) for c in copies
    ]
    assert all(c["forgotten"] and c["prefill"] is None and c["file"] == "" for c in scrubbed)
    assert not any(c.get("key") or c.get("recipient") for c in scrubbed)
    lines = log_lines(out)
    assert [(line["document_id"], line["status"], line["at"]) for line in lines] == states
    assert not any(line.get("recipient") or line.get("message_id") for line in lines)
    for path in (out / "manifest.jsonl", out / "delivery.jsonl"):
        assert path.stat().st_mode & 0o777 == 0o600
    assert outstanding(store_url) == {}

    code, stdout, _ = purge(store_url, _day(1), "--sent-out", str(out))  # again: nothing more
    assert code == 0
    assert f"In {out}: forgot 0 sent copy(ies), 0 line(s) and 0 file(s)." in stdout


def test_after_a_purge_the_folder_holds_no_batch_and_registers_nothing(tmp_path):
    store = f"sqlite:///{tmp_path}/records.db"
    out = sent_folder(tmp_path, store)
    assert purge(store, _day(1), "--sent-out", str(out))[0] == 0
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    code, stdout, err = run("records", "register", str(out / "manifest.jsonl"), "--store", fresh)
    assert code == 0, err
    assert "Registered 0 new issued copies" in stdout  # a forgotten copy is not issued anew
    roster = tmp_path / "roster.jsonl"
    code, _, err = run("send", "agreement", "--roster", str(roster), "--out", str(out),
                       "--store", store)  # fmt: skip
    assert code == 0, err  # the forgotten batch is no batch to resume
    assert len(manifest(out)) == 4
    assert len(outstanding(store)) == 2


def test_a_copy_whose_return_the_store_keeps_stays(tmp_path):
    """Issued before the date, but the store keeps it: the folder keeps it too."""
    store = f"sqlite:///{tmp_path}/records.db"
    out = sent_folder(tmp_path, store)
    kept = manifest(out)[0]
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    # The store keeps a copy whose return is kept; here, one issued after the date.
    from supforms.pipeline.records.opening import open_store

    with open_store(store) as opened, opened.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE issued SET issued_at = ? WHERE document_id = ?", (later, kept["document_id"])
        )
    code, stdout, _ = purge(store, _day(1), "--sent-out", str(out))
    assert code == 0
    assert f"In {out}: forgot 1 sent copy(ies)" in stdout
    assert (out / kept["file"]).exists()
    assert [c["document_id"] for c in manifest(out) if not c.get("forgotten")] == [
        kept["document_id"]
    ]
    assert json.dumps(manifest(out)[0]) == json.dumps(kept)


def test_a_missing_send_folder_is_skipped(tmp_path):
    store = f"sqlite:///{tmp_path}/records.db"
    sent_folder(tmp_path, store)
    code, stdout, err = purge(store, _day(1), "--sent-out", str(tmp_path / "absent"))
    assert (code, err) == (0, "")
    assert "In " not in stdout
    assert not (tmp_path / "absent").exists()
