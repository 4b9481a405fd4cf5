"""The command line's contract: a user's mistake is one line on stderr and exit status 2, never a
traceback and never a half-made run; help exits 0 and names the options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from league.cli import EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[1]


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line the CLI printed on stderr."""
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pong-league: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_invalid_generations_is_one_line_and_makes_no_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    assert main(["train", "--generations", "0", "--run-dir", str(run_dir)]) == EXIT_USAGE
    assert "generations" in error_line(capsys)
    assert not run_dir.exists()


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.toml"
    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(missing), "--run-dir", str(run_dir)]) == EXIT_USAGE
    assert "missing.toml" in error_line(capsys)
    assert not run_dir.exists()


def test_invalid_config_file_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "league.toml"
    config.write_text("cpu_share = 1.5\n")
    assert (
        main(["train", "--config", str(config), "--run-dir", str(tmp_path / "run")]) == EXIT_USAGE
    )
    assert "cpu_share" in error_line(capsys)


def test_resume_a_folder_without_a_league(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--resume", str(tmp_path)]) == EXIT_USAGE
    line = error_line(capsys)
    assert "league.sqlite" in line and str(tmp_path) in line
    assert list(tmp_path.iterdir()) == []  # no lock or database left behind


def test_resume_refuses_other_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--resume", str(tmp_path), "--algo", "ppo"]) == EXIT_USAGE
    assert "--resume" in error_line(capsys)


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage: pong-league" in out
    assert "train" in out


def test_train_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--run-dir", "--resume", "--config", "--preset", "--generations", "--algo"):
        assert option in out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "usage: pong-league" in capsys.readouterr().out


@pytest.mark.slow  # a fresh interpreter importing torch and SB3: about 6 s on 2 cores
def test_module_entry_point_exits_2_with_one_line(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "league.cli", "train", "--generations", "0", "--run-dir", run_dir],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_USAGE
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("pong-league: error: ") and "generations" in lines[0]
    assert not run_dir.exists()
