"""Every clause, label and prompt of the seed documents is printed, word for word."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.wording import load_wording
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.errors import LayoutError
from supforms.schemas.registry import form_ids, latest, origin_of

from tests.cli import run
from tests.conftest import ISSUED_AT, SEEDS, SHARED_SEEDS

# Seed lines that are page furniture of the Word original rather than wording of a form.
NOT_PRINTED = {"Worries Strengths Goals"}


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="no ../shared/seeds beside this clone")
def test_the_copied_seeds_are_the_shared_ones():
    shared = {p.name: p.read_bytes() for p in SHARED_SEEDS.glob("*.txt")}
    assert {p.name: p.read_bytes() for p in SEEDS.glob("*.txt")} == shared


def _squash(text: str) -> str:
    """Whitespace-free text, bullets and dotted leaders removed, for layout-proof matching."""
    text = re.sub(r"[.…]{3,}", "", text)
    return re.sub(r"[\s·•]+", "", text)


def seed_clauses(name: str, start: str | None = None, stop: str | None = None) -> list[str]:
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    if start:
        lines = lines[next(i for i, line in enumerate(lines) if start in line) :]
    if stop:
        lines = lines[: next(i for i, line in enumerate(lines) if stop in line)]
    clauses = []
    for line in lines:
        text = re.sub(r"^\s*(?:[-·]|\d+\.)\s+", "", line).strip()
        text = re.sub(r"\s+", " ", text)
        if text and text not in NOT_PRINTED:
            clauses.append(text)
    return clauses


def pdf_text(data: bytes, tmp_path: Path) -> str:
    source = tmp_path / "form.pdf"
    source.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True, text=True
    ).stdout


SOURCES = tomllib.loads((SEEDS / "forms.toml").read_text(encoding="utf-8"))
"""Each built-in form's seed document and the part of it the form prints."""


@pytest.mark.usefixtures("poppler")
def test_every_seed_clause_is_printed(form_id, blank_pdfs, tmp_path):
    if form_id not in SOURCES:
        if origin_of(form_id) != "supforms":
            pytest.skip(f"{form_id} comes from {origin_of(form_id)}, with no seed here")
        pytest.fail(f"built-in form {form_id} names no seed: add it to tests/seeds/forms.toml")
    source = SOURCES[form_id]
    printed = _squash(pdf_text(blank_pdfs[form_id], tmp_path))
    clauses = seed_clauses(source["seed"], source.get("start"), source.get("stop"))
    assert len(clauses) >= 10
    missing = [clause for clause in clauses if _squash(clause) not in printed]
    assert not missing, f"{form_id} lost seed wording: {missing}"


@pytest.mark.usefixtures("poppler")
def test_a_lost_clause_would_be_caught(blank_pdfs, tmp_path):
    """The check above can fail: a clause that is not in the seed is not found."""
    printed = _squash(pdf_text(blank_pdfs["contract"], tmp_path))
    assert _squash("Be respectful of each other's work and beliefs.") in printed
    assert _squash("Be respectful of each other's work, beliefs and time.") not in printed


@pytest.mark.usefixtures("poppler")
def test_wording_config_changes_the_local_names(tmp_path):
    config = tmp_path / "council.toml"
    config.write_text(
        '[contract]\norganisation = "Ríverside Council Training Unit"\n'
        '[agreement]\nemployer = "RCC"\nrecords_store = "the Records Hub"\ncase_system = "LCS"\n',
        encoding="utf-8",
    )
    wording = load_wording(config)
    contract = issue_copy(compiled_form("contract", wording=wording), None, issued_at=ISSUED_AT)[1]
    agreement = issue_copy(compiled_form("agreement", wording=wording), None, issued_at=ISSUED_AT)[
        1
    ]
    contract_text = _squash(pdf_text(contract, tmp_path))
    agreement_text = _squash(pdf_text(agreement, tmp_path))
    assert _squash("Ríverside Council Training Unit") in contract_text
    assert _squash("Birmingham & Solihull Training Hub") not in contract_text
    assert (
        _squash(
            "they belong to RCC as stated in the policy. (Held on the Records Hub/"
            "discussions about children on LCS)"
        )
        in agreement_text
    )


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ('[agreemnt]\nemployer = "RCC"\n', "unknown section [agreemnt]"),
        ('[agreement]\nemployr = "RCC"\n', "unknown key 'employr' in [agreement]"),
        ('logoo = "x.png"\n', "unknown section [logoo]"),
        ("[agreement]\nemployer = 3\n", "agreement.employer: Input should be a valid string"),
    ],
)
def test_a_misspelt_section_or_key_is_an_error_naming_it(tmp_path, config, named):
    path = tmp_path / "council.toml"
    path.write_text(config, encoding="utf-8")
    with pytest.raises(LayoutError, match=re.escape(named)):
        load_wording(path)
    code, _, err = run("--config", str(path), "generate", "contract", "-o", str(tmp_path / "o"))
    assert code == 1
    assert named in err
    assert not (tmp_path / "o").exists()


def test_the_printed_default_config_is_a_valid_config(tmp_path):
    code, out, _ = run("forms", "--wording")
    assert code == 0
    path = tmp_path / "defaults.toml"
    path.write_text(out, encoding="utf-8")
    assert load_wording(path) == load_wording()
    for form_id in form_ids():
        assert f"[{form_id}]" in out or not latest(form_id).declaration.wording


APPENDIX_3_SCALES = {
    "scales.safety": "Where do you rate the child’s safety with this mother on a scale of 0–10?",
    "scales.plan_confidence": "Is this a plan that the parents believe in? On a scale of 0–10, "
    "what confidence would they say that they have in it keeping the child safe?",
}


@pytest.mark.usefixtures("poppler")
def test_group_record_keeps_the_appendix_headings_and_scale_questions(blank_pdfs, tmp_path):
    """The seed's appendix headings are printed, and its two scale questions stand whole."""
    from supforms.forms.spec import spec_by_path
    from supforms.schemas.registry import latest

    printed = pdf_text(blank_pdfs["group-record"], tmp_path)
    lines = [line.strip() for line in printed.splitlines()]
    assert "APPENDIX 2" in lines
    assert "APPENDIX 3" in lines
    assert lines.index("APPENDIX 2") < lines.index("APPENDIX 3")
    seed = (SEEDS / SOURCES["group-record"]["seed"]).read_text(encoding="utf-8")
    specs = spec_by_path(latest("group-record"))
    squashed = _squash(printed)
    for path, question in APPENDIX_3_SCALES.items():
        assert question in seed  # the question is the seed's, verbatim
        assert specs[path].title.endswith(question), path  # the label keeps it whole
        assert question in specs[path].tooltip, path
        # Once in the appendix 3 grid, once as the scale's label.
        assert squashed.count(_squash(question)) == 2, path


def test_seed_paragraphs_stay_paragraphs():
    """The contract's supervisee clause that the seed prints as a paragraph is not a bullet."""
    from supforms.forms.writing.wording import parse_blocks, render_wording

    blocks = parse_blocks(render_wording("contract", load_wording()))
    clause = "Bring appropriate work based issues to discuss freely and honestly."
    (block,) = [b for b in blocks if b.text == clause]
    assert block.kind == "paragraph"
    seed = (SEEDS / SOURCES["contract"]["seed"]).read_text(encoding="utf-8").splitlines()
    assert clause in seed  # a line of its own, with no bullet, in the seed
