"""The README runs as written.

Every ``supforms`` command it shows names a command that exists and only options
that command (or a group above it) takes; and its tour of the CLI, run line by
line in a fresh clone, as a new user would after ``./setup.sh`` (with the files
the tour assumes a user brings: a roster, a session list, returns), ends as the
README says each command ends. Lines that need a mail server are left to the
mail tests, which run them against real servers on loopback.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)


def console_lines(text: str) -> list[str]:
    """Each ``$ …`` command of the README's console blocks, continuation lines joined."""
    lines: list[str] = []
    for block in BLOCK.findall(text):
        pending = ""
        for raw in block.splitlines():
            line = raw.strip()
            if pending:
                pending += " " + line
            elif line.startswith("$ "):
                pending = line[2:]
            else:
                continue  # output shown after a command
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                continue
            lines.append(pending)
            pending = ""
    return lines


def supforms_argv(line: str) -> list[str] | None:
    """The arguments given to supforms on ``line`` (None: another program's line)."""
    words = shlex.split(line.split("|")[0].split(">")[0], comments=True)
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        words.pop(0)  # SUPFORMS_IMAP_PASSWORD=… supforms …
    if not words or not words[0].endswith("supforms"):
        return None
    return words[1:]


def _unknown_options(argv: list[str]) -> list[str]:
    from supforms.pipeline.cli import cli

    command: click.Command = cli
    known = {opt for param in cli.params for opt in param.opts}
    ctx = click.Context(cli)
    path = []
    for word in argv:
        if word.startswith("-"):
            continue
        if isinstance(command, click.Group) and word in command.list_commands(ctx):
            found = command.get_command(ctx, word)
            assert found is not None
            command, path = found, [*path, word]
            known |= {opt for param in command.params for opt in param.opts}
            known |= {opt for param in command.params for opt in param.secondary_opts}
        elif isinstance(command, click.Group):
            return [f"no command {' '.join([*path, word])!r}"]
    known.add("--help")
    return [
        f"{' '.join(path)}: no option {word.split('=')[0]}"
        for word in argv
        if word.startswith("-") and word.split("=")[0] not in known and word != "-"
    ]


def test_every_command_the_readme_shows_exists_with_the_options_it_names() -> None:
    shown = [argv for line in console_lines(README.read_text()) if (argv := supforms_argv(line))]
    assert len(shown) > 40  # the tour, the cycle, the store, PostgreSQL, compliance…
    wrong = {" ".join(argv): why for argv in shown if (why := _unknown_options(argv))}
    assert wrong == {}


def test_a_command_the_cli_does_not_have_is_found() -> None:
    # The check above can fail: a removed option, or a command that never was.
    assert _unknown_options(["records", "due", "--today", "2026-01-01"]) == [
        "records due: no option --today"
    ]
    assert _unknown_options(["records", "nonsense"]) == ["no command 'records nonsense'"]


def _bring_what_the_tour_assumes(clone: Path) -> None:
    """pairs.csv, sessions.jsonl, inbox/ and return.pdf: what a user has to hand."""
    with (clone / "pairs.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["supervisee.name", "supervisor.name", "_to"])
        writer.writerow(["Zoë Ó Briain", "Sam Okafor", "zoe@example.org"])
        writer.writerow(["Łukasz Wiśniewski", "Sam Okafor", "lukasz@example.org"])
    session = {"team": "East", "held_on": "02/11/2026", "case_reference": "CR-1042"}
    (clone / "sessions.jsonl").write_text(json.dumps(session, ensure_ascii=False) + "\n")


@pytest.mark.slow
def test_the_tour_runs_as_written_in_a_fresh_clone(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    clone = tmp_path / "supforms"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)
    (clone / ".venv").symlink_to(ROOT / ".venv")  # what ./setup.sh made, in this checkout
    _bring_what_the_tour_assumes(clone)
    text = (clone / "README.md").read_text()
    tour = text[text.index("## A short tour of the CLI") :]
    lines = console_lines(tour[: tour.index("```", tour.index("```console") + 10) + 3])
    assert len(lines) >= 10
    ran = []
    for line in lines:
        if re.search(r"smtps?://|imaps://", line):
            continue  # a mail server: tests/pipeline/test_send, test_remind, test_imap
        if "inbox/" in line or "return.pdf" in line or "returns/" in line:
            _returns_from_the_agreements(clone)
        done = subprocess.run(
            ["bash", "-c", line.split(" #")[0]], cwd=clone, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        # 3: the returns are unsigned copies, archived and needing a person, as the README says.
        assert done.returncode in (0, 3), f"{line}\n{done.stderr}"
        assert "Traceback" not in done.stderr, line
        ran.append(line)
    assert len(ran) >= 9
    assert (clone / "output" / "contract-blank.pdf").is_file()
    assert len(list((clone / "output" / "agreements").glob("agreement-*.pdf"))) == 2
    assert list((clone / "output" / "print").glob("contract-pack-10*.pdf"))
    assert (clone / "results.ndjson").read_text().strip()


def _returns_from_the_agreements(clone: Path) -> None:
    """Returns as people send them back: the prefilled agreements, saved where the tour reads."""
    if (clone / "return.pdf").exists():
        return
    copies = sorted((clone / "output" / "agreements").glob("agreement-*.pdf"))
    assert copies, "the tour generates agreements before it ingests returns"
    for folder in ("inbox", "returns/2026"):
        (clone / folder).mkdir(parents=True, exist_ok=True)
        for copy in copies:
            shutil.copy(copy, clone / folder / copy.name)
    shutil.copy(copies[0], clone / "return.pdf")
