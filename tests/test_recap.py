"""The end of ``train``: the recap of a run, the train.log beside it, and extending a run."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from tiny_league import copy_of, tiny_league

from league.arena import pit
from league.cli import build_parser, main
from league.recap import Recap
from league.report import LeagueView, snapshot_rows
from league.store import LeagueStore


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_league(tmp_path_factory.mktemp("league"))


def test_the_recap_of_a_run(run: Path) -> None:
    recap = Recap.of(run, games=8)
    assert [r.id for r in recap.rows] == ["left-0001"]  # generation 0 trained nothing
    rows = snapshot_rows(LeagueView.read(run))
    for role in ("left", "right"):
        mains = [r for r in rows if r.role == role and r.kind == "main"]
        assert recap.best[role] == max(mains, key=lambda r: r.rating or 0.0)
        # The same match as `pong-league pit BEST cpu --run RUN --games 8`.
        again = pit(recap.best[role].id, "cpu", run, games=8)
        assert recap.vs_cpu[role].wins == again.wins and recap.vs_cpu[role].games == 8
    text = recap.to_text()
    assert text.splitlines()[0] == f"league {run}: 1 generation complete"
    header = next(line for line in text.splitlines() if line.startswith("gen"))
    assert header.split() == "gen role snapshot vs cpu rating now beats past".split()
    assert f"best left   {recap.best['left'].id}" in text and "over 8 games" in text


def test_the_recap_commands_run_as_written(run: Path) -> None:
    commands = Recap.of(run, games=4).commands()
    assert commands[-1].startswith("tensorboard --logdir")
    for command in commands[:-1]:
        words = shlex.split(command)
        assert words[0] == "pong-league"
        args = build_parser().parse_args(words[1:])
        assert Path(args.run_dir) == run


@pytest.mark.slow  # trains one more tiny generation: about 10 s on 2 cores
def test_a_finished_run_is_extended_and_logged(run: Path, tmp_path: Path, capsys) -> None:
    own = copy_of(run, tmp_path)
    assert main(["train", "--resume", str(own), "--generations", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    with LeagueStore.open(own, readonly=True) as store:
        assert store.last_generation() == 2
        assert store.config()["generations"] == 2
    assert json.loads((own / "config.json").read_text())["generations"] == 2
    assert not (own / ".lock").exists()  # a clean exit leaves no lock file
    log = (own / "train.log").read_text()
    assert log.startswith("# resumed at generation 2 ")
    generation_line = next(line for line in out.splitlines() if line.startswith("gen   2 right"))
    assert generation_line in log
    assert "look further:" in out and "look further:" in log
    assert f"league {own}: 2 generations complete" in log
    # Nothing else may change on resume: still refused, the run untouched.
    assert main(["train", "--resume", str(own), "--seed", "3"]) == 2
    assert "the only option it takes is --generations" in capsys.readouterr().err
