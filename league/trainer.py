"""The league: alternate training of the two roles against a growing pool of frozen snapshots.

Generation 0 freezes both untrained learners as ``left-0000`` and ``right-0000``. Generation g
trains the left role if g is odd, the right role if even, for ``steps_per_generation`` env steps
against opponents drawn from the other role's snapshots and the CPU, freezes the learner as a new
snapshot, evaluates it against every snapshot of the other role and the CPU, and commits
everything it produced to the run's database in one transaction. A crash loses at most the
generation in progress; ``resume`` continues from the last committed one.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback

from envs.scripted import Policy, ScriptedCPU
from league.config import LeagueConfig
from league.errors import LeagueError
from league.evaluation import evaluate_against
from league.files import RunLock, atomic_write_text
from league.learners import load_learner, make_vec_env, new_learner, save_learner
from league.matchmaking import opponent_distribution
from league.matrix import WinRateMatrix
from league.policies import NumpyPolicy, export_numpy_policy
from league.ratings import beats_past, bradley_terry_elo, nash_equilibrium
from league.results import MatchResult
from league.store import GenerationRecord, LeagueStore, SnapshotRecord

ROLES = ("left", "right")
CPU_ID = "cpu"


def role_of(generation: int) -> str:
    """Generation g >= 1 trains left if g is odd, right if even."""
    return "left" if generation % 2 == 1 else "right"


def snapshot_id(role: str, generation: int) -> str:
    return f"{role}-{generation:04d}"


@dataclass(frozen=True)
class GenerationSummary:
    """What one generation did, as printed and logged."""

    generation: int
    role: str
    snapshot: str
    steps_per_second: float
    win_rate_vs_cpu: float
    rating: float
    beats_past: float
    distribution: dict[str, float]
    seconds: float


class Stopped(Exception):
    """Training was interrupted at a safe point (Ctrl-C); the run can be resumed."""


class League:
    """A league run in ``run_dir``: its database, learners, snapshot pool and logs.

    Build it with :meth:`create` or :meth:`resume`; both take the run lock, which :meth:`close`
    releases.
    """

    def __init__(self, run_dir: Path, store: LeagueStore, lock: RunLock, config: LeagueConfig):
        self.run_dir = run_dir
        self.store = store
        self.lock = lock
        self.config = config
        self.rules = config.game_rules()
        self.learners: dict[str, BaseAlgorithm] = {}
        self._policies: dict[str, Policy] = {CPU_ID: ScriptedCPU(self.rules)}
        self._stop_requested = False
        self.board: Any = None  # league.board.LeagueBoard, set by the caller that wants TB logs

    # ------------------------------------------------------------------ construction

    @classmethod
    def create(cls, run_dir: Path, config: LeagueConfig) -> League:
        """A new run folder (refused if it already holds a league) with its generation 0."""
        run_dir = Path(run_dir)
        if (run_dir / "league.sqlite").exists():
            raise LeagueError(
                f"{run_dir} already holds a league; continue it with "
                f"`pong-league train --resume {run_dir}` or choose another --run-dir"
            )
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = RunLock(run_dir).acquire()
        try:
            store = LeagueStore.create(run_dir / "league.sqlite", config.to_dict())
        except BaseException:
            lock.release()
            raise
        atomic_write_text(run_dir / "config.json", _json(config.to_dict()))
        return cls(run_dir, store, lock, config)

    @classmethod
    def resume(cls, run_dir: Path) -> League:
        """An existing run, continued from its last completed generation."""
        run_dir = Path(run_dir)
        if not (run_dir / "league.sqlite").exists():
            raise LeagueError(
                f"no league database at {run_dir / 'league.sqlite'}: is this a run folder? "
                "start one with `pong-league train`"
            )
        lock = RunLock(run_dir).acquire()
        try:
            store = LeagueStore.open(run_dir)
            config = LeagueConfig.from_dict(store.config(), origin=f"{run_dir} config")
        except BaseException:
            lock.release()
            raise
        return cls(run_dir, store, lock, config)

    def close(self) -> None:
        if self.board is not None:
            self.board.close()
        self.store.close()
        self.lock.release()

    # ------------------------------------------------------------------ the loop

    @property
    def next_generation(self) -> int:
        return self.store.last_generation() + 1

    def run(
        self,
        on_generation: Callable[[GenerationSummary], None] | None = None,
        progress: Callable[[int, str, int], Any] | None = None,
    ) -> None:
        """Train until ``config.generations`` generations are complete.

        :param on_generation: called with each generation's summary once it is committed.
        :param progress: ``(generation, role, total_steps) -> callback``: an SB3 callback that
            shows training progress (the CLI's progress bar).
        :raises Stopped: on Ctrl-C, at a safe point; nothing half-done is registered.
        """
        with self._stop_on_interrupt():
            if self.next_generation == 0:
                self._start()
            while self.next_generation <= self.config.generations:
                summary = self._generation(self.next_generation, progress)
                if on_generation is not None:
                    on_generation(summary)

    def _start(self) -> None:
        """Generation 0: freeze both untrained learners, evaluate them, register them."""
        records = []
        for role in ROLES:
            model = self._learner(role)
            records.append(self._freeze(model, role, 0))
        results = self._evaluate(records[0].id, 0)
        results += self._evaluate(records[1].id, 1, include_snapshots=False)
        self.store.add_snapshots(records, self._ratings(results), results)

    def _generation(
        self, g: int, progress: Callable[[int, str, int], Any] | None
    ) -> GenerationSummary:
        role = role_of(g)
        side = ROLES.index(role)
        started = time.perf_counter()
        distribution = self._distribution(role)
        model = self._learner(role)
        model.set_env(self._env(role, distribution, seed=self.config.seed * 1000 + g))
        callbacks: list[BaseCallback] = [_StopCallback(self)]
        if progress is not None:
            callbacks.append(progress(g, role, self.config.steps_per_generation))
        trained_at = time.perf_counter()
        model.learn(
            self.config.steps_per_generation,
            reset_num_timesteps=False,
            tb_log_name=role,
            callback=callbacks,
        )
        if self._stop_requested:
            raise Stopped(g)
        train_seconds = time.perf_counter() - trained_at
        record = self._freeze(model, role, g)
        results = self._evaluate(record.id, side)
        all_results = self.store.results() + results
        ratings = self._ratings(all_results)
        earlier = [s.id for s in self.store.snapshots(ROLES[1 - side])]
        cpu = next(r for r in results if r.b == CPU_ID)
        summary = GenerationSummary(
            generation=g,
            role=role,
            snapshot=record.id,
            steps_per_second=self.config.steps_per_generation / max(train_seconds, 1e-9),
            win_rate_vs_cpu=cpu.score,
            rating=ratings[record.id],
            beats_past=beats_past(all_results, record.id, earlier),
            distribution=distribution,
            seconds=time.perf_counter() - started,
        )
        nash = self._nash(all_results, extra=record)
        stats = {
            "win_rate_vs_cpu": summary.win_rate_vs_cpu,
            "rating": summary.rating,
            "beats_past": summary.beats_past,
            "nash": nash,
        }
        self.store.complete_generation(
            GenerationRecord(
                generation=g,
                role=role,
                snapshot_id=record.id,
                env_steps=self.config.steps_per_generation,
                seconds=summary.seconds,
                steps_per_second=summary.steps_per_second,
                distribution=distribution,
                stats=_finite(stats),
            ),
            record,
            results,
            ratings,
        )
        self._forget_old_buffers(role, record.id)
        if self.board is not None:
            self.board.log_generation(self, summary, nash)
        return summary

    # ------------------------------------------------------------------ pieces

    def _learner(self, role: str) -> BaseAlgorithm:
        if role not in self.learners:
            seed = self.config.seed * 1000 + ROLES.index(role)
            env = self._env(role, {CPU_ID: 1.0}, seed)
            tb = self.run_dir / "tb"
            latest = self.store.snapshots(role)
            if latest:
                snap = latest[-1]
                self.learners[role] = load_learner(
                    self.config, self.run_dir / snap.zip_path, self._buffer_path(snap.id), env, tb
                )
            else:
                self.learners[role] = new_learner(self.config, env, seed, tb)
        return self.learners[role]

    def _env(self, role: str, distribution: dict[str, float], seed: int):  # -> VecEnv
        ids = list(distribution)
        probabilities = np.array([distribution[i] for i in ids], dtype=np.float64)
        probabilities /= probabilities.sum()

        def sampler(rng: np.random.Generator) -> tuple[str, Policy]:
            opponent = ids[int(rng.choice(len(ids), p=probabilities))]
            return opponent, self._policy(opponent)

        return make_vec_env(self.config, role, sampler, seed)

    def _policy(self, player: str) -> Policy:
        if player not in self._policies:
            snap = self.store.snapshot(player)
            self._policies[player] = NumpyPolicy.load(self.run_dir / snap.npz_path)
        return self._policies[player]

    def _buffer_path(self, snap_id: str) -> Path | None:
        return self.run_dir / "buffers" / f"{snap_id}.pkl" if self.config.algo != "ppo" else None

    def _freeze(self, model: BaseAlgorithm, role: str, g: int) -> SnapshotRecord:
        """Write the learner's files as snapshot ``role-g`` (not registered yet)."""
        sid = snapshot_id(role, g)
        folder = self.run_dir / "snapshots"
        folder.mkdir(exist_ok=True)
        buffer = self._buffer_path(sid)
        if buffer is not None:
            buffer.parent.mkdir(exist_ok=True)
        save_learner(model, folder / f"{sid}.zip", buffer)
        export_numpy_policy(model, folder / f"{sid}.npz")
        self._policies[sid] = NumpyPolicy.load(folder / f"{sid}.npz")
        return SnapshotRecord(
            id=sid,
            role=role,
            generation=g,
            env_steps=int(model.num_timesteps),
            zip_path=f"snapshots/{sid}.zip",
            npz_path=f"snapshots/{sid}.npz",
        )

    def _evaluate(
        self, player: str, side: int, include_snapshots: bool = True
    ) -> list[MatchResult]:
        """``player`` against every snapshot of the other role, then the CPU."""
        other = ROLES[1 - side]
        ids = [s.id for s in self.store.snapshots(other)] if include_snapshots else []
        if include_snapshots and not ids:  # generation 0: the other initial snapshot
            ids = [snapshot_id(other, 0)]
        opponents = [(i, self._policy(i)) for i in ids] + [(CPU_ID, self._policies[CPU_ID])]
        return evaluate_against(
            self.rules,
            (player, self._policy(player)),
            side,
            opponents,
            self.config.eval_games,
            self.config.eval_seed,
            self.config.frame_stack,
        )

    def _distribution(self, role: str) -> dict[str, float]:
        """The opponent distribution of the role's next generation, from the win-rate matrix."""
        side = ROLES.index(role)
        opponents = [s.id for s in self.store.snapshots(ROLES[1 - side])]
        own = self.store.snapshots(role)[-1].id
        results = self.store.results()
        matrix = WinRateMatrix.from_results(results, [own], opponents)
        return opponent_distribution(
            self.config.matchmaking,
            opponents,
            matrix.scores[0],
            cpu_share=self.config.cpu_share,
            latest_share=self.config.latest_share,
            weighting=self.config.pfsp_weighting,
            exponent=self.config.pfsp_exponent,
        )

    def _ratings(self, results: list[MatchResult]) -> dict[str, float]:
        return bradley_terry_elo(results, anchor=CPU_ID)

    def matrix(
        self, results: list[MatchResult] | None = None, extra: SnapshotRecord | None = None
    ) -> WinRateMatrix:
        """Left snapshots (rows) against right snapshots and the CPU (columns)."""
        snaps = self.store.snapshots() + ([extra] if extra else [])
        rows = [s.id for s in snaps if s.role == "left"]
        cols = [s.id for s in snaps if s.role == "right"] + [CPU_ID]
        return WinRateMatrix.from_results(results or self.store.results(), rows, cols)

    def _nash(self, results: list[MatchResult], extra: SnapshotRecord) -> dict[str, Any]:
        m = self.matrix(results, extra)
        snapshots_only = m.scores[:, :-1]
        eq = nash_equilibrium(snapshots_only)
        cols = m.cols[:-1]
        return {
            "value": eq.value,
            "left": {m.rows[i]: float(eq.row[i]) for i in eq.row_support()},
            "right": {cols[j]: float(eq.col[j]) for j in eq.col_support()},
        }

    def _forget_old_buffers(self, role: str, keep: str) -> None:
        folder = self.run_dir / "buffers"
        for path in folder.glob(f"{role}-*.pkl") if folder.exists() else []:
            if path.stem != keep:
                path.unlink(missing_ok=True)

    @contextmanager
    def _stop_on_interrupt(self) -> Iterator[None]:
        """First Ctrl-C: finish at the next safe point. Second: stop at once."""

        def handler(signum: int, frame: Any) -> None:
            if self._stop_requested:
                raise KeyboardInterrupt
            self._stop_requested = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


class _StopCallback(BaseCallback):
    def __init__(self, league: League) -> None:
        super().__init__()
        self.league = league

    def _on_step(self) -> bool:
        return not self.league._stop_requested


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _finite(stats: dict[str, Any]) -> dict[str, Any]:
    """NaN is not JSON: beats-past of the first generations is None instead."""
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in stats.items()
    }
