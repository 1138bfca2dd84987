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
