"""The command line's contract: a user's mistake is one line on stderr and exit status 2, never a
traceback and never a half-made run; help exits 0 and names the options."""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from tiny_league import copy_of, tiny_league

from league.cli import COMMANDS as REGISTERED
from league.cli import EXIT_BROKEN_PIPE, EXIT_USAGE, game_words, main
from league.config import LeagueConfig
from league.store import LeagueStore

COMMANDS = [register.__name__.removeprefix("add_") for register in REGISTERED]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_league(tmp_path_factory.mktemp("league"))


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
    line = error_line(capsys)
    assert "--resume" in line and "--generations N" in line


def test_resume_refuses_fewer_generations_than_done(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_of(tiny, tmp_path)  # one generation done, of one
    for given in ("0", "-3"):
        assert main(["train", "--resume", str(run), "--generations", given]) == EXIT_USAGE
        line = error_line(capsys)
        assert f"--generations {given}" in line and "completed 1 generations already" in line
    with LeagueStore.open(run, readonly=True) as store:
        assert store.config()["generations"] == 1
    assert not (run / ".lock").exists()


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage: pong-league" in out
    assert "train" in out


def help_of(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def option_helps(text: str) -> dict[str, str]:
    """Each option's help text (its lines joined), from argparse's "options:" section."""
    helps: dict[str, str] = {}
    name = None
    for line in text.split("options:", 1)[1].split("\nexamples:", 1)[0].splitlines():
        if line.startswith("  -"):
            name = line.split()[0].rstrip(",")
            helps[name] = line
        elif name is not None and line.startswith("    "):
            helps[name] += " " + line.strip()
    return helps


def test_train_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(capsys, "train")
    for option in ("--run-dir", "--resume", "--config", "--preset", "--generations", "--algo"):
        assert option in out
    helps = option_helps(out)
    defaults = LeagueConfig()
    assert f"(default {defaults.generations})" in helps["--generations"]
    assert f"(default {defaults.steps_per_generation})" in helps["--steps-per-generation"]
    assert f"(default {defaults.algo})" in helps["--algo"]
    # The help and the README's quick start quote the same measured duration.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "17 to 30 minutes" in " ".join(out.split()) and "17 to 30 minutes" in readme


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_says_each_default_once_and_shows_examples(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = help_of(capsys, command)
    assert "default: None" not in out
    for option, text in option_helps(out).items():
        assert text.count("default") <= 1, f"{command} {option}: {text}"
    examples = out.split("\nexamples:\n", 1)[1].splitlines()
    assert examples and all(line.startswith(f"  pong-league {command}") for line in examples)
    # The examples are printed as written, not wrapped into one paragraph.
    assert len(examples) >= 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"pong-league {version('pong-league')}"


def test_record_and_no_record_contradict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pit", "cpu", "still", "--games", "4", "--record", "--no-record"]) == EXIT_USAGE
    assert "contradict" in error_line(capsys)


@pytest.mark.parametrize("reader", ["head -1", "head -c 0"])
def test_output_into_a_closed_pipe_ends_quietly(tiny: Path, reader: str) -> None:
    """`pong-league ls RUN | head -1`: no BrokenPipeError traceback. ``head -c 0`` exits before
    reading anything, so the pipe is closed before the first write, every time."""
    run = tiny
    for command in ("ls", "matrix"):
        cli = shlex.join([sys.executable, "-m", "league.cli", command, str(run)])
        done = subprocess.run(
            ["bash", "-c", f"{cli} | {reader}; echo ${{PIPESTATUS[0]}} >&2"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.stderr.strip() in ("0", str(EXIT_BROKEN_PIPE)), done.stderr
        if reader == "head -1":
            assert done.stdout.startswith(str(run)) and done.stdout.count("\n") == 1


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


# ------------------------------------------------------------------------------- pit --video


def test_pit_video_speed_default_is_the_arena_s_and_said_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from league import arena, cli

    assert cli.VIDEO_SPEED == arena.VIDEO_SPEED  # cli keeps a copy so as not to load pygame
    text = option_helps(help_of(capsys, "pit"))["--video-speed"]
    assert f"(default {arena.VIDEO_SPEED:g}: a 1,000-step rally in 6.7 s)" in " ".join(text.split())
    assert 1000 / arena.VIDEO_FPS / arena.VIDEO_SPEED <= 8  # the "no more than ~8 s"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--video-speed", "0"], "--video-speed 0: give a number > 0"),
        (["--video-speed", "-1.5"], "--video-speed -1.5: give a number > 0"),
        (["--video-speed", "nan"], "--video-speed nan: give a number > 0"),
        (["--video-speed", "inf"], "--video-speed inf: give a number > 0"),
        (["--video-speed", "fast"], "invalid float value: 'fast'"),
    ],
)
def test_bad_video_speed_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    video = tmp_path / "out.mp4"
    command = ["pit", "cpu", "still", "--games", "1", "--video", str(video), *args]
    try:
        code = main(command)
    except SystemExit as exit_:  # argparse's own errors (not a number) exit from the parser
        code = exit_.code
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(("pong-league: error: ", "pong-league pit: error: "))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["out.avi", "out.webm", "out"])
def test_a_video_of_unknown_format_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    video = tmp_path / name
    assert main(["pit", "cpu", "still", "--games", "1", "--video", str(video)]) == EXIT_USAGE
    assert "use a .mp4 (H.264) or .gif file name" in error_line(capsys)
    assert list(tmp_path.iterdir()) == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pit_shows_progress_while_writing_a_video_to_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ["pit", "cpu", "still", "--games", "1", "--video", str(tmp_path / "g.gif")]
    assert main(command) == 0
    assert capsys.readouterr().err == ""  # stderr is no terminal here: no bar
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(command) == 0
    assert "writing g.gif" in terminal.getvalue() and "frame" in terminal.getvalue()
    terminal.seek(0)
    terminal.truncate()
    assert main([*command, "--no-progress"]) == 0
    assert terminal.getvalue() == ""


def test_trains_first_line_names_the_rules_a_run_changes() -> None:
    assert game_words(LeagueConfig()) == "classic rules"
    config = LeagueConfig(
        rules_overrides={"ball_speed_max": 48.0}, train_rules_overrides={"ball_speedup": 1.1}
    )
    assert game_words(config) == (
        "classic rules with ball_speed_max = 48.0, ball_speedup = 1.1 in training"
    )
