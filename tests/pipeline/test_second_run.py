"""The same command twice into the same place: nothing made the first time is replaced."""

from __future__ import annotations

import json

from tests.cli import run


def test_print_twice_keeps_both_packs_and_every_copy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path}/records.db"
    first = run("print", "contract", "--count", "3", "--store", store)
    second = run("print", "contract", "--count", "3", "--store", store)
    assert first[0] == second[0] == 0, first[2] + second[2]
    packs = sorted((tmp_path / "output" / "print").glob("*.pdf"))
    assert [p.name for p in packs] == ["contract-pack-3-2.pdf", "contract-pack-3.pdf"]
    assert "contract-pack-3-2.pdf" in second[1]  # it says which name it took
    assert packs[0].read_bytes() != packs[1].read_bytes()


def test_print_to_a_file_that_exists_is_refused(tmp_path):
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"the first pack")
    code, _, err = run(
        "print", "contract", "-o", str(target), "--store", f"sqlite:///{tmp_path}/r.db"
    )
    assert code == 1
    assert "exists already" in err
    assert "Traceback" not in err
    assert target.read_bytes() == b"the first pack"


def test_generate_twice_keeps_the_first_blank(tmp_path):
    out = tmp_path / "out"
    first = run("generate", "contract", "-o", str(out))
    blank = (out / "contract-blank.pdf").read_bytes()
    second = run("generate", "contract", "-o", str(out))
    assert first[0] == second[0] == 0
    assert (out / "contract-blank.pdf").read_bytes() == blank
    names = sorted(p.name for p in out.glob("contract-blank*.pdf"))
    assert names == ["contract-blank-2.pdf", "contract-blank.pdf"]
    assert "contract-blank-2.pdf" in second[1]
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [entry["file"] for entry in manifest] == names[::-1]


def test_an_empty_result_says_so_and_a_table_has_a_header(tmp_path):
    from supforms.pipeline.records.opening import open_store

    url = f"sqlite:///{tmp_path}/records.db"
    open_store(url).close()
    assert run("records", "list", "--store", url)[1] == "No records match.\n"
    assert run("records", "outstanding", "--store", url)[1].startswith("No copy is outstanding")
    assert run("records", "due", "--store", url)[1] == "Nothing is due within 30 days.\n"
    assert run("records", "list", "--json", "--store", url)[1] == ""  # scripts get nothing
    out = tmp_path / "out"
    run("generate", "agreement", "-o", str(out), "--store", url, "--data", str(_roster(tmp_path)))
    lines = run("records", "outstanding", "--store", url)[1].splitlines()
    assert lines[0].startswith("DOCUMENT")
    assert len(lines) == 2


def _roster(tmp_path):
    roster = tmp_path / "pairs.csv"
    roster.write_text("supervisee.name,supervisor.name\nAnn Archer,Bo Brown\n", encoding="utf-8")
    return roster


def test_a_file_name_never_carries_a_case_reference(tmp_path):
    rows = tmp_path / "sessions.csv"
    rows.write_text("held_on,case_reference,team\n21/11/2026,MOSAIC-2049-771 Amira K,East\n")
    out = tmp_path / "out"
    code, _, err = run("generate", "group-record", "--data", str(rows), "-o", str(out),
                       "--store", f"sqlite:///{tmp_path}/r.db")  # fmt: skip
    assert code == 0, err
    (copy,) = out.glob("group-record-0001*.pdf")
    assert "mosaic" not in copy.name
    assert "amira" not in copy.name
