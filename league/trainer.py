"""The league: alternate training of the two roles against a growing pool of frozen snapshots.

Generation 0 freezes both untrained main agents as ``left-0000`` and ``right-0000``. Generation g
belongs to the left role if g is odd, to the right role if even. In it, the role's main agent
trains ``steps_per_generation`` env steps and is frozen as a new snapshot; then each of the role's
exploiters (:mod:`league.agents`) trains ``exploiter_steps`` and is frozen (``left-0005-me``,
``left-0005-le``) when its rule says so. Every learner draws the opponent of each training
episode from its own live distribution over the other role's pool, recomputed from its payoff as
episodes end. Every new snapshot is evaluated against every snapshot of the other role and the
CPU, and everything the generation produced, the learners' states included, is committed to the
run's database in one transaction. A crash loses at most the generation in progress; ``resume``
continues from the last committed one.

That is the ``alternate`` schedule. In the ``simultaneous`` one (AlphaStar's), generations 2k - 1
and 2k form a round: both roles' learners train at once, each against the other role's snapshots
made before the round, and then the two generations are completed and committed in order, as
above. A round interrupted between its commits resumes with its second generation alone, on the
same pool, so it ends as the uninterrupted round would.
"""

from __future__ import annotations

import dataclasses
import math
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from envs.scripted import Policy
from league.agents import (
    MAIN,
    MAIN_EXPLOITER,
    SUFFIX,
    Payoff,
    PoolEntry,
    Slot,
    exploiter_ready,
    newest_main,
    resets_after_freeze,
    snapshot_id,
)
from league.board import write_scalars
from league.config import LeagueConfig
from league.errors import LeagueError
from league.files import RunLock, atomic_write_bytes, atomic_write_text
from league.games import Game, game_of
from league.hosts import Checkpoint, Hosts, LearnerResult, LearnerTask, LocalHosts, untrained
from league.matrix import WinRateMatrix
from league.policies import NumpyPolicy, write_numpy_policy
from league.ratings import beats_past, bradley_terry_elo, nash_equilibrium, pool_scores
from league.results import MatchResult
from league.store import GenerationRecord, LeagueStore, SnapshotRecord, no_database_message

ROLES = ("left", "right")
CPU_ID = "cpu"


def role_of(generation: int) -> str:
    """Generation g >= 1 trains left if g is odd, right if even."""
    return "left" if generation % 2 == 1 else "right"


@dataclass
class LearnerState:
    """What a learner carries from one generation to the next (stored as JSON per generation).

    :param zip: its SB3 model file, relative to the run; ``None`` for a fresh learner.
    :param buffer: its replay buffer file, relative to the run, if any.
    :param steps: env steps trained since it was (re)started.
    :param resets: how many times it has started afresh.
    :param payoff: its decayed record against each opponent.
    """

    zip: str | None = None
    buffer: str | None = None
    steps: int = 0
    resets: int = 0
    payoff: Payoff | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["payoff"] = self.payoff.to_dict() if self.payoff else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnerState:
        payoff = Payoff.from_dict(data["payoff"]) if data.get("payoff") else None
        return cls(data["zip"], data["buffer"], int(data["steps"]), int(data["resets"]), payoff)


@dataclass(frozen=True)
class ExploiterReport:
    """What one exploiter did in a generation.

    :param slot: the learner.
    :param score: its score against its target (the newest main, or the share of the pool beaten).
    :param frozen: the id of the snapshot it was frozen as, or ``None``.
    :param reset: whether it starts afresh next time.
    :param env_steps: the env steps it has trained since it was (re)started (SB3's
        ``num_timesteps``, the x axis of its TensorBoard curves).
    """

    slot: Slot
    score: float
    frozen: str | None
    reset: bool
    env_steps: int = 0


@dataclass(frozen=True)
class GateReport:
    """``main_gate``'s verdict on a main agent's new network.

    :param previous: the role's previous main snapshot, the one the new network is judged against.
    :param score: the new network's mean score over the opponents both played.
    :param previous_score: the previous main's over the same opponents.
    :param kept: the new network fell behind by more than the gate allows: the generation's
        snapshot is ``previous``'s network, and the main trains on from it.
    """

    previous: str
    score: float
    previous_score: float
    kept: bool


@dataclass(frozen=True)
class GenerationSummary:
    """What one generation did, as printed and logged.

    ``env_steps`` is the main agent's ``num_timesteps`` after its training (the x axis of its
    SB3 curves in TensorBoard); ``league_env_steps`` counts every learner's env steps, exploiters
    included, from the start of the run to the end of this generation.
    """

    generation: int
    role: str
    snapshot: str
    steps_per_second: float
    win_rate_vs_cpu: float
    rating: float
    beats_past: float
    distribution: dict[str, float]
    seconds: float
    exploiters: tuple[ExploiterReport, ...] = ()
    env_steps: int = 0
    league_env_steps: int = 0
    gate: GateReport | None = None


class Stopped(Exception):
    """Training was interrupted at a safe point (Ctrl-C); the run can be resumed."""


class League:
    """A league run in ``run_dir``: its database, learners, snapshot pool and logs.

    Build it with :meth:`create` or :meth:`resume`; both take the run lock, which :meth:`close`
    releases.
    """

    def __init__(
        self,
        run_dir: Path,
        store: LeagueStore,
        lock: RunLock,
        config: LeagueConfig,
        game: Game | None = None,
    ):
        self.run_dir = run_dir
        self.store = store
        self.lock = lock
        self.config = config
        self.game = game or game_of(config)
        # Where learners train and pool games are played: this process unless the caller (the
        # CLI's --workers) sets Ray's hosts (league.parallel.RayHosts).
        self.hosts: Hosts = LocalHosts(config)
        self.states: dict[str, LearnerState] = {
            name: LearnerState.from_dict(data) for name, data in store.learner_states().items()
        }
        self._policies: dict[str, Policy] = {}
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
        game = game_of(config)  # a bad game is refused before anything is written
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = RunLock(run_dir).acquire()
        try:
            store = LeagueStore.create(run_dir / "league.sqlite", config.to_dict())
        except BaseException:
            lock.release()
            raise
        atomic_write_text(run_dir / "config.json", _json(config.to_dict()))
        return cls(run_dir, store, lock, config, game)

    @classmethod
    def resume(cls, run_dir: Path, generations: int | None = None) -> League:
        """An existing run, continued from its last completed generation.

        :param run_dir: the run folder.
        :param generations: train to this many generations in all instead of the configured
            number (a finished run is extended); stored in the run's config. ``None``: as
            configured.
        :raises LeagueError: no run there, it is being trained, or ``generations`` is fewer
            than the generations already done.
        """
        run_dir = Path(run_dir)
        if not (run_dir / "league.sqlite").exists():
            raise LeagueError(no_database_message(run_dir / "league.sqlite"))
        lock = RunLock(run_dir).acquire()
        store = None
        try:
            store = LeagueStore.open(run_dir)
            config = LeagueConfig.of_run(store.config(), f"{run_dir} config")
            if generations is not None and generations != config.generations:
                config = _extended(config, generations, store.last_generation())
                store.set_config(config.to_dict())
                atomic_write_text(run_dir / "config.json", _json(config.to_dict()))
            game = game_of(config)
        except BaseException:
            if store is not None:
                store.close()
            lock.release()
            raise
        return cls(run_dir, store, lock, config, game)

    def close(self) -> None:
        self.hosts.close()
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
                for summary in self._train_round(self.next_generation, progress):
                    if on_generation is not None:
                        on_generation(summary)

    def _start(self) -> None:
        """Generation 0: freeze both untrained learners, evaluate them, register them."""
        records = []
        for role in ROLES:
            slot = Slot(role, MAIN)
            answer = untrained(self.config, slot, self._init_seed(slot))
            records.append(self._freeze(answer, role, 0))
        results = self._evaluate(records[0].id, 0)
        results += self._evaluate(records[1].id, 1, include_snapshots=False)
        self.store.add_snapshots(records, self._ratings(results), results)

    def _round(self, first: int) -> list[int]:
        """The generations that train at once from ``first``: it alone, or in the simultaneous
        schedule an odd (left) generation with the next (right) one."""
        c = self.config
        if c.schedule == "simultaneous" and first % 2 == 1 and first < c.generations:
            return [first, first + 1]
        return [first]

    def _round_start(self, g: int) -> int:
        """The first generation of generation ``g``'s round: its learners' pool holds the
        snapshots made before it. A pure function of ``g``, so that a round resumed between
        its two generations trains on what the uninterrupted round did."""
        return g - 1 if self.config.schedule == "simultaneous" and g % 2 == 0 else g

    def _train_round(
        self, first: int, progress: Callable[[int, str, int], Any] | None
    ) -> Iterator[GenerationSummary]:
        """Train the round's learners on the hosts at once, then complete its generations in
        order, one transaction each. The round's training time counts in its first one."""
        started = time.perf_counter()
        plans = [self._plan(g) for g in self._round(first)]
        tasks = [t for plan in plans for t in plan]
        answers = self.hosts.train(tasks, self._checkpoint_of, progress, self._stopping)
        if self._stop_requested or any(a.stopped for a in answers):
            raise Stopped(first)
        done = 0
        for plan in plans:
            yield self._complete(plan, answers[done : done + len(plan)], started)
            done += len(plan)
            started = time.perf_counter()

    def _plan(self, g: int) -> list[LearnerTask]:
        """Generation ``g``'s learners, main agent first, as tasks for the hosts."""
        role = role_of(g)
        side = ROLES.index(role)
        pool = self._pool(ROLES[1 - side], before=self._round_start(g))
        main = Slot(role, MAIN)
        self._seed_payoff(main, pool)
        slots = [main, *self._exploiters(role)]
        steps = [self.config.steps_per_generation]
        steps += [self.config.exploiter_steps] * (len(slots) - 1)
        return [self._task(slot, g, pool, n) for slot, n in zip(slots, steps, strict=True)]

    def _complete(
        self, tasks: list[LearnerTask], answers: list[LearnerResult], started: float
    ) -> GenerationSummary:
        """Take the generation's trained learners in (``tasks``, as :meth:`_plan` made them):
        freeze, evaluate, commit."""
        g, pool, main = tasks[0].generation, tasks[0].pool, tasks[0].slot
        role = role_of(g)
        side = ROLES.index(role)
        slots = [t.slot for t in tasks]
        for task, answer in zip(tasks, answers, strict=True):
            self._accept(task.slot, task.steps, answer)
        distribution, train_seconds = answers[0].first, answers[0].seconds
        record = self._freeze(answers[0], role, g)
        results = self._evaluate(record.id, side)
        gate = self._gate(record.id, side, results)
        learner = record
        if gate is not None and gate.kept:
            record = self._copy_snapshot(gate.previous, record)
            results = self._evaluate(record.id, side)
            # The main trains on from the kept network's own zip: a host that holds the rejected
            # network holds it under this generation's name, so it takes the zip's bytes.
            learner = self.store.snapshot(gate.previous)
        self._record_evaluation(main, results)
        self._checkpoint(main, answers[0], g, learner)
        frozen, reports = [], []
        for slot, answer in zip(slots[1:], answers[1:], strict=True):
            report, snapshot, played = self._exploiter_outcome(slot, g, pool, answer)
            reports.append(report)
            if snapshot is not None:
                frozen.append(snapshot)
                results += played
        all_results = self.store.results() + results
        ratings = self._ratings(all_results)
        earlier = [e.id for e in pool]
        cpu = next(r for r in results if r.a == record.id and r.b == CPU_ID)
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
            exploiters=tuple(reports),
            env_steps=record.env_steps,
            league_env_steps=self._league_env_steps()
            + self.config.steps_per_generation
            + self.config.exploiter_steps * len(reports),
            gate=gate,
        )
        nash = self._nash(all_results, extra=[record, *frozen])
        stats = {
            "win_rate_vs_cpu": summary.win_rate_vs_cpu,
            "rating": summary.rating,
            "beats_past": summary.beats_past,
            "nash": nash,
            "exploiters": {
                r.slot.name: {"score": r.score, "frozen": r.frozen, "reset": r.reset}
                for r in reports
            },
        }
        if gate is not None:
            stats["gate"] = dataclasses.asdict(gate)
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
            frozen=frozen,
            learners={s.name: self._state(s).to_dict() for s in [main, *self._exploiters(role)]},
        )
        self._forget_old_files(role)
        if self.board is not None:
            self.board.log_generation(self, summary, nash)
        return summary

    def _task(self, slot: Slot, g: int, pool: list[PoolEntry], steps: int) -> LearnerTask:
        """The learner's training in generation ``g`` as data for a host."""
        state = self._state(slot)
        assert state.payoff is not None
        mains = [s for s in self.store.snapshots(slot.role) if s.kind == MAIN]
        if (
            state.zip is None
            and mains
            and (slot.kind == MAIN or self.config.exploiter_init == "main")
        ):
            # A learner without a checkpoint (a main agent's first task, an exploiter's first or
            # its first after a reset under exploiter_init = "main") starts as a copy of its
            # role's newest main, as it is now.
            state.zip = mains[-1].zip_path
        own = [s.id for s in mains]
        if slot.kind == MAIN:
            next_token = f"snapshots/{snapshot_id(slot.role, g)}.zip"
        else:
            next_token = f"learners/{self._stem(slot, g)}.zip"
        ids = [e.id for e in pool] + (own if slot.kind == MAIN else [])
        return LearnerTask(
            slot=slot,
            generation=g,
            steps=steps,
            pool=pool,
            own=own,
            policies={i: self._policy(i) for i in ids},
            payoff=state.payoff,
            seed=self.config.seed * 1000 + g + 100_000 * slot.number,
            init_seed=self._init_seed(slot),
            token=state.zip,
            next_token=next_token,
            play_pool=slot.kind != MAIN,
        )

    def _init_seed(self, slot: Slot) -> int:
        """A fresh learner's seed: its role, its slot and how often it started afresh."""
        seed = self.config.seed * 1000 + ROLES.index(slot.role) + 10 * slot.number
        return seed + 100 * self._state(slot).resets

    def _accept(self, slot: Slot, steps: int, answer: LearnerResult) -> None:
        """Take a host's answer in: the learner's payoff, its steps and its SB3 curves."""
        state = self._state(slot)
        state.payoff = answer.payoff
        state.steps += steps
        name = slot.role if slot.kind == MAIN else f"{slot.role}_{slot.kind}"
        write_scalars(self.run_dir / "tb" / f"{name}_0", answer.scalars)

    def _stopping(self) -> bool:
        return self._stop_requested

    def _exploiter_outcome(
        self, slot: Slot, g: int, pool: list[PoolEntry], answer: LearnerResult
    ) -> tuple[ExploiterReport, SnapshotRecord | None, list[MatchResult]]:
        """Freeze a trained exploiter if its rule says so, from its games against the pool."""
        if slot.kind == MAIN:
            raise ValueError("main agents are not exploiters")
        played = answer.played
        self._record_evaluation(slot, played)
        scores = {r.b: r.score for r in played}
        state = self._state(slot)
        settings = self.config.matchmaking_settings()
        ready = exploiter_ready(
            slot.kind, pool, scores, state.steps, self.config.exploiter_max_steps, settings
        )
        if slot.kind == MAIN_EXPLOITER:
            score = scores.get(newest_main(pool), 0.0)
        else:
            score = float(np.mean([scores.get(e.id, 0.0) > 0.5 for e in pool]))
        snapshot, reset = None, False
        if ready:
            snapshot = self._freeze(answer, slot.role, g, slot.kind, slot.index)
            rng = np.random.default_rng([self.config.seed, g, slot.number])
            reset = resets_after_freeze(slot.kind, self.config.league_exploiter_reset, rng)
        if reset:
            self.states[slot.name] = LearnerState(resets=state.resets + 1, payoff=self._payoff())
        else:
            self._checkpoint(slot, answer, g, None)
        return (
            ExploiterReport(
                slot, score, snapshot.id if snapshot else None, reset, answer.num_timesteps
            ),
            snapshot,
            (played if snapshot else []),
        )

    # ------------------------------------------------------------------ pieces

    def _exploiters(self, role: str) -> list[Slot]:
        return [
            Slot(role, kind, i)
            for kind, count in self.config.exploiter_counts().items()
            for i in range(count)
        ]

    def _league_env_steps(self) -> int:
        """The env steps every learner trained in the committed generations."""
        return sum(
            gen.env_steps + self.config.exploiter_steps * len(gen.stats.get("exploiters") or {})
            for gen in self.store.generations()
        )

    def _payoff(self) -> Payoff:
        return Payoff(self.config.payoff_decay)

    def _state(self, slot: Slot) -> LearnerState:
        """The learner's state (a new one: no checkpoint yet, see :meth:`_task`)."""
        if slot.name not in self.states:
            self.states[slot.name] = LearnerState(payoff=self._payoff())
        state = self.states[slot.name]
        if state.payoff is None:
            state.payoff = self._payoff()
        return state

    def _stem(self, slot: Slot, g: int) -> str:
        return f"{slot.role}-{SUFFIX[slot.kind] or 'main'}{slot.index}-{g:04d}"

    def _checkpoint(
        self, slot: Slot, answer: LearnerResult, g: int, snapshot: SnapshotRecord | None
    ) -> None:
        """Write what the learner needs to continue (its snapshot's zip serves a main agent)."""
        state = self._state(slot)
        checkpoint = answer.checkpoint
        assert checkpoint is not None
        stem = self._stem(slot, g)
        folder = self.run_dir / "learners"
        folder.mkdir(exist_ok=True)
        if snapshot is None:
            atomic_write_bytes(folder / f"{stem}.zip", checkpoint.model)
            state.zip = f"learners/{stem}.zip"
        else:
            state.zip = snapshot.zip_path
        state.buffer = None
        if checkpoint.buffer is not None:
            atomic_write_bytes(folder / f"{stem}.pkl", checkpoint.buffer)
            state.buffer = f"learners/{stem}.pkl"

    def _checkpoint_of(self, slot: Slot) -> Checkpoint | None:
        """The learner's checkpoint files as bytes, for a host that does not hold it."""
        state = self._state(slot)
        if state.zip is None:
            return None
        buffer = self.run_dir / state.buffer if state.buffer else None
        return Checkpoint(
            state.zip,
            (self.run_dir / state.zip).read_bytes(),
            buffer.read_bytes() if buffer is not None and buffer.exists() else None,
        )

    def _seed_payoff(self, slot: Slot, pool: list[PoolEntry]) -> None:
        """Opponents the learner never played yet: their results against its newest snapshot
        (from their own evaluation) as a first estimate."""
        payoff = self._state(slot).payoff
        own = [s.id for s in self.store.snapshots(slot.role) if s.kind == MAIN]
        missing = [e.id for e in pool if e.id not in payoff.record] if payoff else []
        if not own or not missing or payoff is None:
            return
        m = WinRateMatrix.from_results(self.store.results(), own[-1:], missing)
        for j, opponent in enumerate(missing):
            games = int(m.games[0, j])
            if games:
                payoff.add(opponent, float(m.scores[0, j]) * games, games)

    def _record_evaluation(self, slot: Slot, results: list[MatchResult]) -> None:
        payoff = self._state(slot).payoff
        assert payoff is not None
        for r in results:
            payoff.add(r.b, r.wins + 0.5 * r.draws, r.games)

    def _pool(self, role: str, before: int) -> list[PoolEntry]:
        """The role's snapshots made before generation ``before``, oldest first, as the other
        role's learners see them."""
        snapshots = self.store.snapshots(role)
        return [PoolEntry(s.id, s.kind) for s in snapshots if s.generation < before]

    def _policy(self, player: str) -> Policy:
        if player not in self._policies:
            snap = self.store.snapshot(player)
            self._policies[player] = NumpyPolicy.load(self.run_dir / snap.npz_path)
        return self._policies[player]

    def _freeze(
        self, answer: LearnerResult, role: str, g: int, kind: str = MAIN, index: int = 0
    ) -> SnapshotRecord:
        """Write the learner's files as a snapshot (not registered yet)."""
        sid = snapshot_id(role, g, kind, index)
        folder = self.run_dir / "snapshots"
        folder.mkdir(exist_ok=True)
        assert answer.checkpoint is not None
        atomic_write_bytes(folder / f"{sid}.zip", answer.checkpoint.model)
        write_numpy_policy(folder / f"{sid}.npz", answer.description, answer.arrays)
        self._policies[sid] = NumpyPolicy.load(folder / f"{sid}.npz")
        return SnapshotRecord(
            id=sid,
            role=role,
            generation=g,
            env_steps=answer.num_timesteps,
            zip_path=f"snapshots/{sid}.zip",
            npz_path=f"snapshots/{sid}.npz",
            kind=kind,
        )

    def _gate(self, candidate: str, side: int, results: list[MatchResult]) -> GateReport | None:
        """``main_gate``: the candidate main (evaluated: ``results``) against the role's
        previous main, on the other role's snapshots and the CPU that both played."""
        if self.config.main_gate is None:
            return None
        role = ROLES[side]
        previous = [s for s in self.store.snapshots(role) if s.kind == MAIN][-1].id
        opponents = [s.id for s in self.store.snapshots(ROLES[1 - side])] + [CPU_ID]
        both = [candidate, previous]
        score, previous_score = pool_scores(self.store.results() + results, both, opponents)
        if math.isnan(score):
            return None
        kept = score < previous_score - self.config.main_gate
        return GateReport(previous, score, previous_score, kept)

    def _copy_snapshot(self, source: str, record: SnapshotRecord) -> SnapshotRecord:
        """Make ``record``'s snapshot files a copy of ``source``'s network (not registered yet)."""
        folder = self.run_dir / "snapshots"
        for suffix in (".zip", ".npz", ".json"):
            data = (folder / f"{source}{suffix}").read_bytes()
            atomic_write_bytes(folder / f"{record.id}{suffix}", data)
        self._policies[record.id] = NumpyPolicy.load(folder / f"{record.id}.npz")
        return dataclasses.replace(record, env_steps=self.store.snapshot(source).env_steps)

    def _evaluate(
        self, player: str, side: int, include_snapshots: bool = True
    ) -> list[MatchResult]:
        """``player`` against every snapshot of the other role, then the CPU."""
        other = ROLES[1 - side]
        ids = [s.id for s in self.store.snapshots(other)] if include_snapshots else []
        if include_snapshots and not ids:  # generation 0: the other initial snapshot
            ids = [snapshot_id(other, 0)]
        opponents = [(i, self._policy(i)) for i in ids]
        return self.hosts.play_pool((player, self._policy(player)), side, opponents)

    def _ratings(self, results: list[MatchResult]) -> dict[str, float]:
        return bradley_terry_elo(results, anchor=CPU_ID)

    def matrix(
        self, results: list[MatchResult] | None = None, extra: list[SnapshotRecord] | None = None
    ) -> WinRateMatrix:
        """Left snapshots (rows) against right snapshots and the CPU (columns)."""
        snaps = self.store.snapshots() + (extra or [])
        rows = [s.id for s in snaps if s.role == "left"]
        cols = [s.id for s in snaps if s.role == "right"] + [CPU_ID]
        return WinRateMatrix.from_results(results or self.store.results(), rows, cols)

    def _nash(self, results: list[MatchResult], extra: list[SnapshotRecord]) -> dict[str, Any]:
        m = self.matrix(results, extra)
        snapshots_only = m.scores[:, :-1]
        eq = nash_equilibrium(snapshots_only)
        cols = m.cols[:-1]
        return {
            "value": eq.value,
            "left": {m.rows[i]: float(eq.row[i]) for i in eq.row_support()},
            "right": {cols[j]: float(eq.col[j]) for j in eq.col_support()},
        }

    def _forget_old_files(self, role: str) -> None:
        """Delete the role's learner files that no stored learner state names any more."""
        keep = {p for s in self.states.values() for p in (s.zip, s.buffer) if p}
        folder = self.run_dir / "learners"
        for path in folder.glob(f"{role}-*") if folder.exists() else []:
            if f"learners/{path.name}" not in keep:
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


def _extended(config: LeagueConfig, generations: int, done: int) -> LeagueConfig:
    """The config with another number of generations, never fewer than those done."""
    if isinstance(generations, int) and generations < max(done, 1):
        raise LeagueError(
            f"--generations {generations}: the run has completed {done} generations "
            f"already; give {max(done, 1)} or more (the total to reach, not the number to add)"
        )
    try:
        return dataclasses.replace(config, generations=generations)
    except (TypeError, ValueError) as err:
        raise LeagueError(f"--generations: {err}") from None


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _finite(stats: dict[str, Any]) -> dict[str, Any]:
    """NaN is not JSON: beats-past of the first generations is None instead."""
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in stats.items()
    }
