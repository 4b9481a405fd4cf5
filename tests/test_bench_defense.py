"""The defense probe: a learner trained against a bot, its share of balls returned, its answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from script_loader import load_script

bench_defense = load_script("bench_defense")


def test_a_probe_trains_against_its_bot_and_measures_each_opponent() -> None:
    answer = bench_defense.probe("default", "noisy", steps=300, seed=0, games=8)
    assert list(answer["rows"]) == ["noisy", "edge", "interceptor", "cpu"]
    for row in answer["rows"].values():
        assert 0.0 <= row["returned"] <= 1.0 and 0.0 <= row["win_rate"] <= 1.0
    # The interceptor returns every ball: a learner of 300 steps can score no game against it.
    assert answer["rows"]["interceptor"]["win_rate"] == 0.0
    assert answer["rows"]["interceptor"]["points_for"] == 0.0
    assert answer["overrides"] == {} and answer["steps"] == 300


def run_main(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setattr(sys, "argv", ["bench_defense.py", *argv])
    return bench_defense.main()


def test_a_measured_variant_is_not_trained_again(tmp_path: Path, monkeypatch, capsys) -> None:
    path = bench_defense.answer_path(tmp_path, "default", "edge", 1000, 0)
    rows = {"edge": {"returned": 0.969, "win_rate": 0.478}}
    answer = {"variant": "default", "against": "edge", "steps": 1000, "train_seconds": 12.0}
    path.write_text(json.dumps({**answer, "rows": rows}))
    argv = ["--variants", "default", "--steps", "1000", "--out", str(tmp_path)]
    assert run_main(monkeypatch, *argv) == 0
    out = capsys.readouterr().out
    assert "1 of 1 measured; training 0" in out
    assert "| default | edge | 1,000 | 12 s | 96.9% | 47.8% |" in out


@pytest.mark.parametrize(
    "argv",
    [["--variants", "nope"], ["--against", "mirror"], ["--games", "6"], ["--steps", "0"]],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys, argv) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_main(monkeypatch, *argv, "--out", str(tmp_path))
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written
