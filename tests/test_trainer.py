"""The league end to end: a tiny run, its files, database and TensorBoard; crash and resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from stable_baselines3.common.callbacks import BaseCallback
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from envs.features import FEATURES
from league.board import LeagueBoard
from league.cli import main
from league.config import load_config
from league.matrix import pair_totals
from league.report import LeagueView, snapshot_rows
from league.store import LeagueStore
from league.trainer import League, role_of

TINY = """
generations = {generations}
steps_per_generation = {steps}
main_exploiters = {exploiters}
league_exploiters = {exploiters}
exploiter_steps = {exploiter_steps}
exploiter_max_steps = {exploiter_steps}
eval_games = 4
net_arch = [16, 16]
[dqn]
learning_starts = 100
buffer_size = 5000
target_update_interval = 200
exploration_fraction = 0.5
[rules_overrides]
points_to_win = 2
max_steps = 1500
"""


def tiny_config(
    tmp_path: Path, generations: int = 2, steps: int = 300, exploiters: int = 0
) -> Path:
    """A tiny league; with exploiters, each trains steps // 2 a generation and is frozen then."""
    path = tmp_path / "tiny.toml"
    text = TINY.format(
        generations=generations, steps=steps, exploiters=exploiters, exploiter_steps=steps // 2
    )
    path.write_text(text)
    return path


def expected_matches(generations: int, per_generation: int = 1) -> int:
    # Generation 0: left-0000 vs right-0000 and the CPU, right-0000 vs the CPU. Generation g:
    # each new snapshot against every snapshot of the other role, and the CPU.
    total = 3
    counts = {"left": 1, "right": 1}
    for g in range(1, generations + 1):
        role = role_of(g)
        other = "right" if role == "left" else "left"
        total += per_generation * (counts[other] + 1)
        counts[role] += per_generation
    return total


@pytest.mark.slow
def test_tiny_league_writes_snapshots_database_and_tensorboard(tmp_path: Path) -> None:
    run = tmp_path / "run"
    league = League.create(run, load_config(tiny_config(tmp_path, exploiters=1)))
    league.board = LeagueBoard(run)
    summaries = []
    league.run(on_generation=summaries.append)
    league.close()
    assert not (run / ".lock").exists()

    assert [s.snapshot for s in summaries] == ["left-0001", "right-0002"]
    # Each exploiter reaches its step cap in its first generation, so it is frozen there.
    made = ["left-0001", "left-0001-me", "left-0001-le", "right-0002", "right-0002-me"]
    for sid in ["left-0000", "right-0000", *made, "right-0002-le"]:
        for ext in ("zip", "npz", "json"):
            assert (run / "snapshots" / f"{sid}.{ext}").is_file()
    assert not list(run.rglob(".*.tmp-*")), "no temp file may be left behind"

    with LeagueStore.open(run, readonly=True) as store:
        assert store.last_generation() == 2
        assert [g.snapshot_id for g in store.generations()] == ["left-0001", "right-0002"]
        kinds = {s.id: s.kind for s in store.snapshots()}
        assert kinds["left-0001-me"] == "main_exploiter"
        assert kinds["right-0002-le"] == "league_exploiter" and kinds["left-0001"] == "main"
        results = store.results()
        assert len(results) == expected_matches(2, per_generation=3)
        assert all(r.games == 4 for r in results)
        ratings = store.ratings()
        assert ratings["cpu"] == pytest.approx(1000.0)
        assert set(ratings) == {"cpu", "left-0000", "right-0000", *made, "right-0002-le"}
        # The main agent's distribution at the start of generation 2 sums to 1, keeps the CPU
        # share and reaches the left exploiters frozen in generation 1.
        dist = store.generations()[1].distribution
        assert sum(dist.values()) == pytest.approx(1.0)
        assert dist["cpu"] == pytest.approx(0.1)
        assert set(dist) == {"cpu", "left-0000", "left-0001", "left-0001-me", "left-0001-le"}
        states = store.learner_states()
        assert set(states) == {
            f"{role}:{kind}:0"
            for role in ("left", "right")
            for kind in ("main", "main_exploiter", "league_exploiter")
        }
        # A main exploiter always starts afresh after it is frozen.
        assert states["left:main_exploiter:0"]["zip"] is None
        assert states["left:main_exploiter:0"]["resets"] == 1
        assert states["right:main:0"]["zip"] == "snapshots/right-0002.zip"
    # Only the files the stored learner states name are kept.
    named = {p for st in states.values() for p in (st["zip"], st["buffer"]) if p}
    assert {f"learners/{p.name}" for p in (run / "learners").iterdir()} <= named

    events = EventAccumulator(str(run / "tb" / "league"), size_guidance={"images": 0, "tensors": 0})
    events.Reload()
    # League-wide things against the env steps of all learners: 300 for the main agent and
    # 150 for each of its two exploiters per generation.
    league_steps = [600, 1200]
    assert [s.league_env_steps for s in summaries] == league_steps
    assert [e.step for e in events.Images("league/win_rate_matrix")] == league_steps
    generation = events.Scalars("league/generation")
    assert [(e.step, e.value) for e in generation] == [(600, 1.0), (1200, 2.0)]
    assert [e.step for e in events.Scalars("rating/left-0001")] == league_steps
    assert [e.step for e in events.Scalars("league/nash_support/right")] == league_steps
    (table,) = [
        e for e in events.Tensors("league/win_rate_matrix_table/text_summary") if e.step == 1200
    ]
    text = table.tensor_proto.string_val[0].decode()
    assert "generation 2" in text and "| rating | Nash |" in text and "| *Nash* |" in text
    # A main agent's scalars against its own env steps, the x axis of SB3's curves in left_0/.
    with LeagueStore.open(run, readonly=True) as store:
        made_at = {s.id: s.env_steps for s in store.snapshots()}
    assert made_at["right-0002"] == summaries[1].env_steps >= 300
    (cpu,) = events.Scalars("league/win_rate_vs_cpu/right")
    assert cpu.step == made_at["right-0002"]
    (matchmaking,) = events.Scalars("matchmaking/right/cpu")
    assert matchmaking.step == made_at["right-0002"] - 300
    # An exploiter's against its own env steps.
    right_le = summaries[1].exploiters[-1]
    assert right_le.slot.name == "right:league_exploiter:0" and right_le.env_steps >= 150
    frozen = events.Scalars("league/exploiter_frozen/right_league_exploiter_0")
    assert [(e.step, e.value) for e in frozen] == [(right_le.env_steps, 1.0)]
    assert made_at["right-0002-le"] == right_le.env_steps
    assert "league/exploiter_score/left_main_exploiter_0" in events.Tags()["scalars"]
    assert (run / "tb" / "left_0").is_dir() and (run / "tb" / "right_0").is_dir()
    assert (run / "tb" / "left_main_exploiter_0").is_dir()


def _trained_steps(run: Path, snapshot: str) -> int:
    """SB3's ``num_timesteps`` in a snapshot's zip: every step its network ever trained."""
    with zipfile.ZipFile(run / "snapshots" / f"{snapshot}.zip") as z:
        return int(json.loads(z.read("data"))["num_timesteps"])


@pytest.mark.slow
@pytest.mark.parametrize("init", ["fresh", "main"])
def test_a_reset_exploiter_starts_afresh_or_from_its_roles_newest_main(
    tmp_path: Path, init: str
) -> None:
    path = tiny_config(tmp_path, generations=3, steps=600, exploiters=1)
    path.write_text(f'exploiter_init = "{init}"\n' + path.read_text())
    run = tmp_path / "run"
    _trained(run, path)
    # Each main exploiter trains 300 steps a generation, is frozen at its cap and reset. In
    # generation 3 the left one starts again: a new network, or a copy of left-0001 (600 steps).
    assert _trained_steps(run, "left-0001") == 600
    # In generation 1 the newest left main is the untrained left-0000 (0 steps): the same start.
    assert _trained_steps(run, "left-0001-me") == 300
    assert _trained_steps(run, "left-0003-me") == (300 if init == "fresh" else 600 + 300)
    with LeagueStore.open(run, readonly=True) as store:
        states = store.learner_states()
    assert states["left:main_exploiter:0"]["resets"] == 2
    assert states["left:main_exploiter:0"]["zip"] is None  # resolved when it trains next


def test_a_run_folder_that_holds_a_league_is_not_overwritten(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    LeagueStore.create(run / "league.sqlite", {"x": 1}).close()
    assert main(["train", "--run-dir", str(run), "--generations", "1"]) == 2
    with LeagueStore.open(run, readonly=True) as store:
        assert store.config() == {"x": 1}


def _train(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "league.cli", "train", "--no-progress", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_generation(
    run: Path, generation: int, proc: subprocess.Popen, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if (run / "league.sqlite").exists():
            with LeagueStore.open(run, readonly=True) as store:
                if store.last_generation() >= generation:
                    return
        time.sleep(0.05)
    raise AssertionError(f"generation {generation} not reached in {timeout} s")


@pytest.mark.slow
def test_resume_after_kill_9_mid_generation(tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = tiny_config(tmp_path, generations=3, steps=6000, exploiters=1)
    proc = _train(["--run-dir", str(run), "--config", str(config)])
    try:
        _wait_for_generation(run, 1, proc, timeout=120)
        proc.send_signal(signal.SIGKILL)  # mid-generation 2 (or wherever it is now)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with LeagueStore.open(run, readonly=True) as store:
        done = store.last_generation()
        registered = [s.id for s in store.snapshots()]
    assert 1 <= done < 3

    # Two trainers resume the same folder at once: one trains, the other is refused.
    first, second = _train(["--resume", str(run)]), _train(["--resume", str(run)])
    (out1, err1), (out2, err2) = first.communicate(timeout=300), second.communicate(timeout=300)
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 2], (err1, err2)
    out, refused = (out1, err2) if first.returncode == 0 else (out2, err1)
    assert "already being trained" in refused and "Traceback" not in refused
    assert len(refused.strip().splitlines()) == 1
    with LeagueStore.open(run, readonly=True) as store:
        assert store.last_generation() == 3
        assert [g.generation for g in store.generations()] == [1, 2, 3]
        ids = [s.id for s in store.snapshots()]
        assert ids[: len(registered)] == registered
        mains = ["left-0000", "right-0000", "left-0001", "right-0002", "left-0003"]
        assert [s.id for s in store.snapshots() if s.kind == "main"] == mains
        # Exploiters reach their step cap every generation: three snapshots per generation.
        assert len(ids) == 2 + 3 * 3
        results = store.results()
        assert len(results) == expected_matches(3, per_generation=3)
        pairs = [(r.a, r.b) for r in results]
        assert len(pairs) == len(set(pairs)), "a generation's matches must not be stored twice"
    assert f"gen   {done + 1}" in out


class _Crash(Exception):
    """The process dying (``kill -9``) at a chosen step of a chosen learner."""


def _crash_at(generation: int, label: str, step: int):  # -> a League.run progress factory
    class CrashCallback(BaseCallback):
        def _on_step(self) -> bool:
            if self.n_calls >= step:
                raise _Crash
            return True

    def progress(g: int, learner: str, total: int) -> BaseCallback:
        return CrashCallback() if (g, learner) == (generation, label) else _NoCallback()

    return progress


class _NoCallback(BaseCallback):
    def _on_step(self) -> bool:
        return True


def _league_files(run: Path) -> dict[str, object]:
    """Everything a run decided: snapshot files, results, ratings, learner states."""
    with LeagueStore.open(run, readonly=True) as store:
        snapshots = store.snapshots()
        return {
            "ids": [s.id for s in snapshots],
            "files": {
                s.id: (
                    (run / s.npz_path).read_bytes(),
                    (run / s.npz_path).with_suffix(".json").read_bytes(),
                )
                for s in snapshots
            },
            "results": [r.__dict__ for r in store.results()],
            "ratings": [store.ratings(g.generation) for g in store.generations()],
            "stats": [(g.distribution, g.stats) for g in store.generations()],
            "learners": store.learner_states(),
        }


@pytest.mark.slow
@pytest.mark.parametrize(
    "crash",
    [(2, "right", 250), (3, "left me", 100), (3, "left le", 1)],
    ids=["mid-main", "mid-exploiter", "first-step-of-last-exploiter"],
)
def test_a_run_killed_anywhere_and_resumed_makes_the_same_snapshots_byte_for_byte(
    tmp_path: Path, crash: tuple[int, str, int]
) -> None:
    config = load_config(tiny_config(tmp_path, generations=3, steps=600, exploiters=1))
    straight = League.create(tmp_path / "straight", config)
    try:
        straight.run()
    finally:
        straight.close()

    run = tmp_path / "crashed"
    league = League.create(run, config)
    try:
        with pytest.raises(_Crash):
            league.run(progress=_crash_at(*crash))
    finally:
        league.close()  # as after kill -9: the learners in memory are gone, the lock freed
    with LeagueStore.open(run, readonly=True) as store:
        assert store.last_generation() == crash[0] - 1
    league = League.resume(run)
    try:
        league.run()
    finally:
        league.close()

    expected, got = _league_files(tmp_path / "straight"), _league_files(run)
    assert got["ids"] == expected["ids"]
    assert len(got["ids"]) == 2 + 3 * 3  # both exploiters are frozen at their cap each time
    for sid in expected["ids"]:
        assert got["files"][sid] == expected["files"][sid], sid
    for key in ("results", "ratings", "stats", "learners"):
        assert got[key] == expected[key], key


@pytest.mark.slow
def test_ctrl_c_stops_at_a_safe_point_and_says_how_to_resume(tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = tiny_config(tmp_path, generations=3, steps=20_000)
    proc = _train(["--run-dir", str(run), "--config", str(config)])
    try:
        _wait_for_generation(run, 0, proc, timeout=120)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert f"pong-league train --resume {run}" in out
    assert "Traceback" not in err
    with LeagueStore.open(run, readonly=True) as store:
        assert store.last_generation() == 0
    assert not (run / ".lock").exists()  # stopped cleanly: the lock file is gone
    log = (run / "train.log").read_text()
    assert f"pong-league train --resume {run}" in log


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["qrdqn", "ppo"])
def test_every_algorithm_trains_and_freezes_a_generation(tmp_path: Path, algo: str) -> None:
    from league.policies import NumpyPolicy

    config = tiny_config(tmp_path, generations=1, steps=600)
    extra = "\n[qrdqn]\nlearning_starts = 100\n[ppo]\nn_steps = 128\nbatch_size = 64\n"
    config.write_text(config.read_text() + extra)
    run = tmp_path / "run"
    assert main(["train", "--algo", algo, "--run-dir", str(run), "--config", str(config)]) == 0
    policy = NumpyPolicy.load(run / "snapshots" / "left-0001.npz")
    assert policy.algo == algo
    with LeagueStore.open(run, readonly=True) as store:
        assert store.last_generation() == 1
        assert store.config()["algo"] == algo


def test_a_main_agent_with_a_past_self_share_trains_against_its_own_role(tmp_path: Path) -> None:
    path = tiny_config(tmp_path, generations=3, steps=3000)
    path.write_text("past_self_share = 0.5\ncpu_share = 0.0\n" + path.read_text())
    league = League.create(tmp_path / "run", load_config(path))
    try:
        league.run()
        left = league.states["left:main:0"].payoff
        right = league.states["right:main:0"].payoff
    finally:
        league.close()
    assert left is not None and right is not None
    # Training episodes against its own role's snapshots (mirrored onto the other side) were
    # played and scored, beside the other role's.
    assert {"left-0000", "left-0001"} <= set(left.record)
    assert "right-0000" in right.record and any(k.startswith("left") for k in right.record)
    with LeagueStore.open(tmp_path / "run", readonly=True) as store:
        third = store.generations()[-1]
    assert any(k.startswith("left") for k in third.distribution)


def test_a_main_agent_with_a_sparring_share_trains_against_the_sparring_partner(
    tmp_path: Path,
) -> None:
    path = tiny_config(tmp_path, generations=1, steps=4000, exploiters=1)
    path.write_text("sparring_share = 0.5\n" + path.read_text())
    league = League.create(tmp_path / "run", load_config(path))
    try:
        league.run()
        main = league.states["left:main:0"].payoff
        exploiters = [s.payoff for name, s in league.states.items() if ":main:" not in name]
    finally:
        league.close()
    assert main is not None
    # Training episodes against it were played and scored; the exploiters never met it.
    assert "sparring" in main.record and main.win_rate("sparring") < 0.5
    assert all(p is None or "sparring" not in p.record for p in exploiters)
    with LeagueStore.open(tmp_path / "run", readonly=True) as store:
        first = store.generations()[0]
        ratings = store.ratings()
    assert first.distribution["sparring"] == pytest.approx(0.5)
    assert "sparring" not in ratings  # a training opponent: never in the matrix or the ratings


def test_perturb_and_redo_act_on_the_mains_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from league import hosts

    perturbed: list[tuple[int, float]] = []  # (the learner's steps so far, share)
    recyclers: list[hosts.Recycler] = []
    real_perturb, real_recycler = hosts.perturb_learner, hosts.Recycler

    def perturb(model, share: float) -> None:
        perturbed.append((int(model.num_timesteps), share))
        real_perturb(model, share)

    def recycler(every: int, tau: float) -> hosts.Recycler:
        recyclers.append(real_recycler(every, tau))
        return recyclers[-1]

    monkeypatch.setattr(hosts, "perturb_learner", perturb)
    monkeypatch.setattr(hosts, "Recycler", recycler)
    path = tiny_config(tmp_path, generations=3, steps=600, exploiters=1)
    path.write_text("main_perturb = 0.25\nmain_redo_every = 200\n" + path.read_text())
    _trained(tmp_path / "run", path)
    # Generation 0 freezes the untrained mains; generations 1 and 2 train each role's main for
    # the first time; generation 3 (left again) continues left's main from its 600 steps, mixed
    # first. The exploiters, which also continue, are never perturbed nor recycled.
    assert perturbed == [(600, 0.25)]
    assert [len(r.recycled) for r in recyclers] == [3, 3, 3]
    assert all(r.tau == 0.1 for r in recyclers)


@pytest.mark.slow
def test_a_main_that_falls_behind_on_the_pool_is_replaced_by_its_predecessor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from league import trainer

    real = trainer.pool_scores
    judged: list[tuple[str, ...]] = []

    def pool_scores(results, players, opponents):  # left-0003 loses the gate, the rest is real
        judged.append(tuple(players))
        scores = real(results, players, opponents)
        return (0.0, 1.0) if players[0] == "left-0003" else scores

    monkeypatch.setattr(trainer, "pool_scores", pool_scores)
    path = tiny_config(tmp_path, generations=5, steps=600)
    path.write_text("main_gate = 0.05\n" + path.read_text())
    run = tmp_path / "run"
    _trained(run, path)
    # Every new main is judged against its role's previous main, on the pool both played.
    assert judged == [
        ("left-0001", "left-0000"),
        ("right-0002", "right-0000"),
        ("left-0003", "left-0001"),
        ("right-0004", "right-0002"),
        ("left-0005", "left-0003"),
    ]
    snaps = run / "snapshots"
    for suffix in (".zip", ".npz", ".json"):
        kept = (snaps / f"left-0003{suffix}").read_bytes()
        assert kept == (snaps / f"left-0001{suffix}").read_bytes()
    assert (snaps / "left-0005.npz").read_bytes() != (snaps / "left-0001.npz").read_bytes()
    store = LeagueStore.open(run / "league.sqlite", readonly=True)
    try:
        steps = {s.id: s.env_steps for s in store.snapshots()}
        # The kept copy is the 600-step network, and left's main went on from it: 1,200 steps at
        # generation 5, not the 1,800 of a learner that kept its generation-3 training.
        assert (steps["left-0001"], steps["left-0003"], steps["left-0005"]) == (600, 600, 1200)
        # The copy was played again: the same network, the same evaluation seeds, the same games.
        results = pair_totals(store.results())
        for opponent in ("right-0000", "right-0002", "cpu"):
            copy, source = results[("left-0003", opponent)], results[("left-0001", opponent)]
            assert (copy.wins, copy.losses, copy.draws, copy.points_for, copy.steps) == (
                source.wins,
                source.losses,
                source.draws,
                source.points_for,
                source.steps,
            )
        gates = {r.generation: r.stats["gate"] for r in store.generations()}
    finally:
        store.close()
    assert gates[3] == {"previous": "left-0001", "score": 0.0, "previous_score": 1.0, "kept": True}
    assert not any(gates[g]["kept"] for g in (1, 2, 4, 5))
    assert gates[5]["previous"] == "left-0003"
    rows = {r.id: r for r in snapshot_rows(LeagueView.read(run))}
    assert [i for i, r in rows.items() if r.copy_of] == ["left-0003"]
    assert rows["left-0003"].copy_of == "left-0001"
    assert main(["ls", str(run)]) == 0
    assert "left-0003: left-0001's network, kept by main_gate" in capsys.readouterr().out


def _simultaneous(tmp_path: Path, generations: int) -> Path:
    path = tiny_config(tmp_path, generations=generations, steps=600, exploiters=1)
    path.write_text('schedule = "simultaneous"\n' + path.read_text())
    return path


def _trained(run: Path, config_path: Path) -> None:
    league = League.create(run, load_config(config_path))
    try:
        league.run()
    finally:
        league.close()


@pytest.mark.slow
def test_the_simultaneous_schedule_trains_both_roles_against_the_pool_before_their_round(
    tmp_path: Path,
) -> None:
    _trained(tmp_path / "simultaneous", _simultaneous(tmp_path, generations=2))
    _trained(tmp_path / "alternate", tiny_config(tmp_path, generations=2, steps=600, exploiters=1))
    made_in_generation_1 = {"left-0001", "left-0001-me", "left-0001-le"}
    seen = {}
    for name in ("simultaneous", "alternate"):
        with LeagueStore.open(tmp_path / name, readonly=True) as store:
            second = store.generations()[1]
            assert (second.generation, second.role, second.snapshot_id) == (
                2,
                "right",
                "right-0002",
            )
            played = {r.b for r in store.results() if r.a == "right-0002"}
            # The new right snapshot is evaluated against the whole left pool either way.
            assert made_in_generation_1 <= played
            seen[name] = set(second.distribution)
    # Generation 2's learners drew their opponents from the left pool: in the simultaneous
    # schedule without generation 1's snapshots (trained at the same time), else with them.
    assert not seen["simultaneous"] & made_in_generation_1
    assert made_in_generation_1 & seen["alternate"]


@pytest.mark.slow
def test_a_simultaneous_round_resumed_between_its_generations_ends_as_the_whole_round(
    tmp_path: Path,
) -> None:
    _trained(tmp_path / "whole", _simultaneous(tmp_path, generations=2))
    # The round's first generation committed, its second not yet: as a crash between them.
    run = tmp_path / "split"
    _trained(run, _simultaneous(tmp_path, generations=1))
    league = League.resume(run, generations=2)
    try:
        league.run()
    finally:
        league.close()
    expected, got = _league_files(tmp_path / "whole"), _league_files(run)
    assert got["ids"] == expected["ids"] and len(got["ids"]) == 2 + 2 * 3
    for sid in expected["ids"]:
        assert got["files"][sid] == expected["files"][sid], sid
    for key in ("results", "ratings", "stats", "learners"):
        assert got[key] == expected[key], key


def test_a_league_with_intercept_features_gives_them_to_every_learner(tmp_path: Path) -> None:
    path = tiny_config(tmp_path, generations=2, steps=300, exploiters=1)
    path.write_text('features = "intercept"\n' + path.read_text())
    run = tmp_path / "run"
    assert main(["train", "--config", str(path), "--run-dir", str(run), "--no-progress"]) == 0
    described = {p.stem: json.loads(p.read_text()) for p in (run / "snapshots").glob("*.json")}
    assert {"left-0000", "right-0000", "left-0001", "left-0001-me", "right-0002"} <= set(described)
    for description in described.values():
        assert description["features"]["kind"] == "intercept"
        assert description["layers"][0]["in_features"] == description["obs_dim"] + FEATURES
    assert main(["pit", "left-0001", "right-0002", "--run", str(run), "--games", "4"]) == 0
    # A best response trains with the run's settings: the features too.
    args = ["exploit", "right-0002", "--run", str(run), "--steps", "200", "--games", "4"]
    assert main(args) == 0
    (best_response,) = (run / "exploits").glob("*.json")
    assert json.loads(best_response.read_text())["features"]["kind"] == "intercept"
