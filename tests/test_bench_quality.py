"""The quality benchmark's table: several best responses per final main, their mean and best."""

from __future__ import annotations

import argparse
import json
import shutil
import threading
from pathlib import Path

import pytest
from script_loader import load_script

from tests.tiny_league import tiny_league

bench_quality = load_script("bench_quality")

# Best responses' win rates per preset and role; the league's are the lower.
RATES = {
    ("league", "left"): [0.1, 0.5, 0.3, 0.9],
    ("league", "right"): [0.2, 0.2, 0.2, 0.2],
    ("article", "left"): [0.9, 0.7, 0.8, 1.0],
    ("article", "right"): [0.5, 0.1, 0.3, 0.3],
}


@pytest.fixture
def out(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    run = tiny_league(tmp_path_factory.mktemp("league"))
    for preset in bench_quality.PRESETS:
        shutil.copytree(run, tmp_path / f"{preset}-s0", ignore=shutil.ignore_patterns("tb"))
    done = tmp_path / "done"
    done.mkdir()
    for (preset, role), rates in RATES.items():
        key = f"{preset}-s0-{role}"
        for i, rate in enumerate(rates):
            # The "best response" files: the run's untrained right snapshot, for the lineage.
            path = str(tmp_path / f"{preset}-s0" / "snapshots" / "right-0000.zip")
            # 200 draws each: a best response's outright wins are its score less 10 points.
            wins, draws = round(rate * 1000) - 100, 200
            result = {"games": 1000, "win_rate": rate, "seed": 10 + i, "path": path}
            result |= {"wins": wins, "draws": draws, "losses": 1000 - wins - draws}
            answer = {"exploitability": rate, "results": [result]}
            (done / f"{bench_quality.exploit_name(key, i)}.json").write_text(json.dumps(answer))
        (done / f"cpu-{key}.json").write_text(json.dumps({"win_rate": 0.97}))
        (done / f"gauntlet-{key}.json").write_text(json.dumps({"score": 0.2}))
    for role in bench_quality.ROLES:
        (done / f"h2h-s0-{role}.json").write_text(json.dumps({"win_rate": 0.6}))
    return tmp_path


def test_a_roles_exploitability_is_the_mean_of_its_best_responses_and_the_best_is_shown(
    out: Path,
) -> None:
    args = argparse.Namespace(br_seeds=4, br_steps=200_000, br_games=1000, gauntlet_games=400)
    args.cpu_games, args.h2h_games, args.ensemble = 1000, 1000, 0
    table = bench_quality.report(out, [0], args)
    assert "| 45.0% (max 90.0%) / 20.0% (max 20.0%) |" in table  # the league's row
    assert "| 85.0% (max 100.0%) / 30.0% (max 50.0%) |" in table
    assert "PASS: exploitability of the league's final mains <= 30% (mean 32.5%)" not in table
    assert "FAIL: exploitability of the league's final mains <= 30% (mean 32.5%)" in table
    assert "PASS: and below the article preset's (57.5%)" in table
    # The means' table: exploitability, the mean of each target's best best response, then the
    # best responses' outright wins, a goal of their own.
    assert "| league | 97.0% | 20.0% | 32.5% | 55.0% | 22.5% | 60.0% |" in table
    assert "PASS: read as games won outright, draws not counted: <= 30% (mean 22.5%)" in table
    assert "below the article preset's (47.5%)" in table


def test_a_seed_is_measured_only_when_every_best_response_is_done(out: Path) -> None:
    assert bench_quality.measured(out, 0, br_seeds=4)
    (out / "done" / f"{bench_quality.exploit_name('article-s0-right', 3)}.json").unlink()
    assert not bench_quality.measured(out, 0, br_seeds=4)
    assert bench_quality.measured(out, 0, br_seeds=3)


def test_best_responses_of_a_target_train_on_distinct_seeds_the_first_as_before() -> None:
    for seed in range(10):
        seeds = [bench_quality.br_seed(seed, i) for i in range(4)]
        assert seeds[0] == seed
        assert len(set(seeds)) == 4


def test_the_lineage_plays_each_best_response_against_every_trained_main_of_its_role(
    out: Path,
) -> None:
    from league.arena import pit

    table = bench_quality.lineage(out, [0], br_seeds=2, games=8).splitlines()
    # The tiny run trained one generation: left-0001, the left role's only trained main.
    for preset in bench_quality.PRESETS:
        header = table.index(f"| {preset} s0: best response | left-0001 |")
        run = out / f"{preset}-s0"
        rate = pit(str(run / "snapshots" / "right-0000.npz"), "left-0001", run, games=8).win_rate
        assert table[header + 2 : header + 4] == [
            f"| #0 (seed 10) | {rate:.0%} |",
            f"| #1 (seed 11) | {rate:.0%} |",
        ]
    assert not any("right-0000 |" in line for line in table)  # generation 0 is not a main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--br-seeds", "0"], "--br-seeds 0: train at least one best response"),
        (["--ensemble", "-1"], "--ensemble -1: give the number of mains to average"),
        (["--league-config", "FAST"], "give the two presets different rules: head to head"),
    ],
)
def test_an_impossible_option_is_refused_in_one_line_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "fast.toml").write_text("[rules_overrides]\nball_speed_max = 48.0\n")
    argv = [arg.replace("FAST", str(tmp_path / "fast.toml")) for arg in argv]
    with pytest.raises(SystemExit) as exit_:
        bench_quality.main([*argv, "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_runs_measurements_start_while_the_other_run_of_its_seed_still_trains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The jobs' commands are not run: each job writes its answer file, and the runs' final
    # mains are names (the scheduling alone is under test).
    monkeypatch.setattr(
        bench_quality,
        "final_mains",
        lambda run: {r: f"{run.name}-{r}" for r in bench_quality.ROLES},
    )
    started: list[str] = []
    lock = threading.Lock()
    league_measured = threading.Event()

    def run(job: bench_quality.Job) -> None:
        with lock:
            started.append(job.name)
        if job.name.startswith("exploit league-s0"):
            league_measured.set()
        if job.name == "train article seed 0":
            # The league run is trained: its best responses start beside this training.
            assert league_measured.wait(timeout=10), "no worker took the league run's jobs"
        if job.name.startswith("head to head s0"):
            assert all(
                (tmp_path / "done" / f"train-{p}-s0.json").exists() for p in ("league", "article")
            )
        job.out.parent.mkdir(parents=True, exist_ok=True)
        job.out.write_text("{}")

    args = argparse.Namespace(jobs=2, br_seeds=2, br_steps=1000, br_games=4, gauntlet_games=4)
    args.cpu_games, args.h2h_games, args.league_config, args.article_config = 4, 4, None, None
    args.ensemble = 0
    bench_quality.run_seeds([0, 1], tmp_path, args, 1000, run=run)
    # Per seed: 2 trainings; per run and role 2 best responses, the gauntlet and the CPU; per
    # role a head to head. Each once.
    assert len(started) == len(set(started)) == 2 * (2 + 2 * 2 * 4 + 2)
    assert set(started[:2]) == {"train league seed 0", "train article seed 0"}


def test_ensembles_are_measured_in_files_of_their_own_and_reported_as_such(out: Path) -> None:
    args = argparse.Namespace(br_seeds=2, br_steps=1000, br_games=4, gauntlet_games=4)
    args.cpu_games, args.h2h_games, args.ensemble = 4, 4, 3
    jobs = bench_quality.measure_jobs(out, 0, "league", args)
    run = out / "league-s0"
    exploit = [j for j in jobs if j.name == "exploit league-s0-ens3-left #1"]
    assert [j.out.name for j in exploit] == ["exploit-league-s0-ens3-left-br1.json"]
    assert f"ensemble:left:3@{run}" in exploit[0].args
    h2h = bench_quality.h2h_jobs(out, 0, args)
    assert [j.out.name for j in h2h] == ["h2h-s0-ens3-left.json", "h2h-s0-ens3-right.json"]
    pit = h2h[1].args.index("pit")
    assert h2h[1].args[pit + 1 : pit + 3] == [
        f"ensemble:right:3@{run}",
        f"ensemble:right:3@{out / 'article-s0'}",
    ]
    # Played under the runs' rules (a probe of other rules gives both presets the same ones).
    assert h2h[1].args[h2h[1].args.index("--run") + 1] == str(run)
    # Nothing of the ensembles is done yet; the final mains' answers in the same folder are.
    assert not bench_quality.measured(out, 0, br_seeds=2, ensemble=3)
    assert bench_quality.measured(out, 0, br_seeds=2)
    done = out / "done"
    for preset in bench_quality.PRESETS:
        for role in bench_quality.ROLES:
            key = f"{preset}-s0-ens3-{role}"
            for i in range(2):
                result = {"games": 10, "wins": 0, "draws": 10, "losses": 0}
                answer = {"exploitability": 0.5, "results": [result]}
                (done / f"{bench_quality.exploit_name(key, i)}.json").write_text(json.dumps(answer))
            (done / f"cpu-{key}.json").write_text(json.dumps({"win_rate": 1.0}))
            (done / f"gauntlet-{key}.json").write_text(json.dumps({"score": 0.5}))
    for role in bench_quality.ROLES:
        (done / f"h2h-s0-ens3-{role}.json").write_text(json.dumps({"win_rate": 0.5}))
    assert bench_quality.measured(out, 0, br_seeds=2, ensemble=3)
    table = bench_quality.report(out, [0], args)
    assert "2 best responses per ensemble of its last 3 mains" in table
    assert "| 0 | league |" in table and "| 50.0% (max 50.0%) / 50.0% (max 50.0%) |" in table
    assert "FAIL: exploitability of the league's ensembles of their last 3 mains" in table
