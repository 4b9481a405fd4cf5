"""The README as a user reads it, and the documents it links to: every ``pong-league`` command in
them parses as written, and every link into the repository leads to a file that is there and, if
it names one, to a heading of that file."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from tiny_league import tiny_league

from league.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "runs" / "README.md", ROOT / "docs" / "experiments.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
INLINE = re.compile(r"`(pong-league [^`]+)`")
SNAPSHOT_ID = re.compile(r"(left|right)-\d{4}(-\w+)?")


def shell_commands(text: str) -> list[str]:
    """The lines of the fenced ``bash`` blocks that run ``pong-league``."""
    lines = []
    for language, body in FENCE.findall(text):
        if language in ("bash", "sh", "shell", "console"):
            lines += [line.strip() for line in body.splitlines()]
    return [line for line in lines if line.startswith("pong-league ")]


def inline_commands(text: str) -> list[str]:
    """The ``pong-league ...`` spans of the running text that give arguments, up to a pipe.

    A span that only names a command (`pong-league pit`) is a name, not a command line.
    """
    spans = INLINE.findall(FENCE.sub("", text))
    commands = [" ".join(span.split()).split(" | ")[0] for span in spans]
    return [c for c in commands if len(c.split()) >= 3 or c.split()[-1].startswith("--")]


def readme_commands() -> list[str]:
    commands = []
    for readme in DOCUMENTS:
        if readme.exists():
            text = readme.read_text()
            commands += shell_commands(text) + inline_commands(text)
    assert len(commands) >= 10, "the README's commands were not found"
    return commands


def test_the_extractor_finds_commands_and_strips_comments() -> None:
    text = (
        "```bash\npong-league ls runs/a   # the snapshots\nmake test\n```\n"
        "```\npong-league x\n```\n"  # output, not a command
    )
    assert shell_commands(text) == ["pong-league ls runs/a   # the snapshots"]
    assert shlex.split(shell_commands(text)[0], comments=True) == ["pong-league", "ls", "runs/a"]
    prose = (
        "see `pong-league pit`, `pong-league ls RUN | head -3` and `pong-league pit A\nB --games 4`"
    )
    assert inline_commands(prose) == ["pong-league ls RUN", "pong-league pit A B --games 4"]


def problem(command: str) -> str | None:
    """Why ``command`` would not run as written, or ``None``: argparse refuses it, or it names a
    snapshot by id without the ``--run`` to look the id up in."""
    words = shlex.split(command, comments=True)[1:]
    try:
        args = build_parser().parse_args(words)
    except SystemExit as exit_:  # argparse's way of refusing (or of answering --version)
        return None if exit_.code == 0 else "argparse refuses it"
    players = [getattr(args, name, None) for name in ("a", "b", "target")]
    ids = [p for p in players if p is not None and SNAPSHOT_ID.fullmatch(p)]
    if ids and getattr(args, "run_dir", None) is None:
        return f"{', '.join(ids)} without --run RUN_DIR"
    return None


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_runs_as_written(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    why = problem(command)
    assert why is None, f"{command!r}: {why} {capsys.readouterr().err.strip()}"


@pytest.mark.parametrize(
    "command",
    [
        "pong-league pit left-0007 right-0008 --gamez 1000",  # no such option
        "pong-league pit left-0007 right-0008 --games 1000",  # ids, but no run to find them in
        "pong-league ls",  # no run folder
    ],
)
def test_a_command_that_cannot_run_is_caught(command: str) -> None:
    assert problem(command) is not None


@pytest.mark.parametrize(
    "readme", [r for r in DOCUMENTS if r.exists()], ids=lambda p: str(p.relative_to(ROOT))
)
def test_links_into_the_repository_lead_to_files(readme: Path) -> None:
    for target in LINK.findall(readme.read_text()):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        path = (readme.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{readme.name} links outside the repository: {target}"
        assert path.exists(), f"{readme.name} links to a missing file: {target}"


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces
    as hyphens, ``-1``, ``-2`` added to repeats. Headings inside fenced blocks are code."""
    found: set[str] = set()
    repeats: dict[str, int] = {}
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        repeats[slug] = repeats.get(slug, -1) + 1
        found.add(f"{slug}-{repeats[slug]}" if repeats[slug] else slug)
    return found


def test_anchors_follow_githubs_rule() -> None:
    text = "# A b\n## On cores: `--workers` and `--address`\n## A b\n```\n# not a heading\n```\n"
    assert anchors(text) == {"a-b", "on-cores---workers-and---address", "a-b-1"}


@pytest.mark.parametrize(
    "readme", [r for r in DOCUMENTS if r.exists()], ids=lambda p: str(p.relative_to(ROOT))
)
def test_links_to_a_heading_find_it(readme: Path) -> None:
    for target in LINK.findall(readme.read_text()):
        if target.startswith(("http://", "https://", "mailto:")) or "#" not in target:
            continue
        path, anchor = target.split("#", 1)
        document = (readme.parent / path).resolve() if path else readme
        if document.suffix == ".md" and document.exists():
            found = anchors(document.read_text())
            assert anchor in found, f"{readme.name} links to a heading that is not there: {target}"


def test_the_snapshot_example_runs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """ "A snapshot outside pong-league", run on a tiny league's files."""
    run = tiny_league(tmp_path_factory.mktemp("league"))
    text = (ROOT / "README.md").read_text()
    section = text.split("### A snapshot outside pong-league", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    files = {"left-0007.zip": "left-0001.zip", "right-0008.npz": "right-0000.npz"}
    for shown, real in files.items():
        assert f"runs/a/snapshots/{shown}" in code
        code = code.replace(f"runs/a/snapshots/{shown}", str(run / "snapshots" / real))
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own README, run as a user would
    assert namespace["done"] is True
