"""Learners that only train: a :class:`LearnerHost` trains one learner per :class:`LearnerTask`.

A task is data: the config, the learner's slot and seeds, its payoff, the other role's pool with
each snapshot's weights-only policy, and the name of the checkpoint it continues from (with the
checkpoint's bytes when the host may not hold it). The answer is data too: the new checkpoint's
bytes, the snapshot's weights, the payoff, the games an exploiter played against the pool and
SB3's TensorBoard scalars. So a host never touches the run folder, and it can live in this
process (``--workers 1``) or in a Ray actor on another machine (:mod:`league.parallel`): the
coordinator (:class:`league.trainer.League`) alone writes files and the database.

A host keeps the learners it trained in memory between generations (their replay buffers and
optimizer states); loading a checkpoint instead trains exactly the same (tests/test_trainer.py's
resume test), so a restarted host redoes a task to the same result.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import KVWriter, Logger
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from envs.scripted import Policy
from league.agents import MAIN, SUFFIX, Payoff, PoolEntry, Slot, opponents_of, snapshot_id
from league.config import LeagueConfig
from league.games import game_of
from league.learners import (
    load_learner,
    make_vec_env,
    new_learner,
    perturb_learner,
    schedule_generation,
)
from league.matchmaking import CPU as CPU_ID
from league.matchmaking import SPARRING
from league.policies import NumpyPolicy, SampledMoves, describe_model
from league.redo import Recycler
from league.results import MatchResult

# Pool evaluations run in batches of this many opponents, whatever the worker count, so that
# every game is played in the same batch (and so to the same float32 result) everywhere.
EVAL_BATCH = 8


@dataclass(frozen=True)
class Checkpoint:
    """A learner's files as bytes: what it needs to continue training.

    :param token: the run's name of the checkpoint (the learner state's ``zip``).
    :param model: the SB3 ``.zip``.
    :param buffer: the replay buffer's pickle (off-policy learners), else ``None``.
    """

    token: str
    model: bytes
    buffer: bytes | None


@dataclass
class LearnerTask:
    """One learner's training in one generation, as data.

    :param slot: the learner.
    :param generation: the generation trained.
    :param steps: env steps to train.
    :param pool: the other role's snapshots, oldest first.
    :param own: the learner's own role's main snapshot ids (a main agent's past selves).
    :param policies: the weights-only policy of every snapshot in ``pool`` and ``own``.
    :param payoff: the learner's record so far; the answer carries it on.
    :param seed: the generation's seed of the learner's envs and random generators.
    :param init_seed: a fresh learner's seed.
    :param token: the checkpoint it continues from; ``None``: a fresh learner.
    :param next_token: the name its checkpoint takes after this task.
    :param checkpoint: ``token``'s bytes, when the host may not hold the learner.
    :param play_pool: play the trained policy against the pool and the CPU (an exploiter).
    """

    slot: Slot
    generation: int
    steps: int
    pool: list[PoolEntry]
    own: list[str]
    policies: dict[str, NumpyPolicy]
    payoff: Payoff
    seed: int
    init_seed: int
    token: str | None
    next_token: str
    checkpoint: Checkpoint | None = None
    play_pool: bool = False


@dataclass
class LearnerResult:
    """What a host answers for a :class:`LearnerTask`.

    :param slot: the learner.
    :param stopped: the task was stopped (Ctrl-C) before the end; nothing else is set.
    :param payoff: the learner's record after its training episodes.
    :param first: its opponent distribution at the start of the task.
    :param seconds: seconds it trained.
    :param num_timesteps: SB3's ``num_timesteps`` after the task.
    :param checkpoint: the trained learner's files (``token`` is the task's ``next_token``).
    :param description: the snapshot's network description (the ``.json``).
    :param arrays: the snapshot's weights (the ``.npz``).
    :param played: an exploiter's games against the pool and the CPU.
    :param scalars: SB3's TensorBoard scalars, ``(tag, value, step)``.
    """

    slot: Slot
    stopped: bool = False
    payoff: Payoff | None = None
    first: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    num_timesteps: int = 0
    checkpoint: Checkpoint | None = None
    description: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    played: list[MatchResult] = field(default_factory=list)
    scalars: list[tuple[str, float, int]] = field(default_factory=list)


class LearnerHost:
    """Trains learners from :class:`LearnerTask` data and keeps them in memory in between.

    :param config: the league's config (one host serves one run).
    """

    def __init__(self, config: LeagueConfig) -> None:
        self.config = config
        self.game = game_of(config)
        self._held: dict[str, tuple[str, BaseAlgorithm]] = {}
        self._steps: dict[str, int] = {}
        self._stop = False

    def holds(self) -> dict[str, str]:
        """Slot name -> checkpoint token of the learners in memory."""
        return {name: token for name, (token, _) in self._held.items()}

    def progress(self) -> dict[str, int]:
        """Slot name -> env steps done in its running task."""
        return dict(self._steps)

    def pid(self) -> int:
        """This host's process id."""
        return os.getpid()

    def play_batch(
        self, player: tuple[str, Policy], side: int, batch: list[tuple[str, Policy]]
    ) -> list[MatchResult]:
        """One batch of pool games (:func:`play_batch`)."""
        return play_batch(self.config, self.game, player, side, batch)

    def stop(self) -> None:
        """Stop the running task at its next env step (its answer says ``stopped``)."""
        self._stop = True

    def train(self, task: LearnerTask, callbacks: Sequence[BaseCallback] = ()) -> LearnerResult:
        """Train the task's learner ``task.steps`` env steps against its live distribution."""
        self._stop = False
        slot, payoff = task.slot, task.payoff
        settings = self.config.matchmaking_settings()

        def distribution() -> dict[str, float]:
            return opponents_of(slot.kind, task.pool, payoff, settings, task.own)

        first = distribution()
        model = self._learner(task)
        # Until the task ends, the model in memory is no checkpoint of any name.
        self._held.pop(slot.name, None)
        moves = opponent_moves(self.config, slot.kind)
        model.set_env(self._env(slot.role, distribution, task.seed, task.policies, moves))
        # Every random state a learner draws from (numpy's and torch's global generators, which
        # SB3 uses for exploration and replay sampling, and its action space's) restarts from
        # (seed, generation, learner): a learner loaded from its checkpoint trains exactly as
        # the one kept in memory, and no learner's randomness depends on which ran before it.
        model.set_random_seed(task.seed)
        if slot.kind == MAIN and model.num_timesteps > 0 and self.config.main_perturb > 0.0:
            perturb_learner(model, self.config.main_perturb)
        schedule_generation(model, self.config, task.steps)
        recycler = []
        if slot.kind == MAIN and self.config.main_redo_every > 0:
            recycler = [Recycler(self.config.main_redo_every, self.config.main_redo_tau)]
        scalars = _Scalars()
        model.set_logger(Logger(None, [scalars]))
        self._steps[slot.name] = 0
        watch = _Watch(self, slot.name, payoff)
        started = time.perf_counter()
        try:
            model.learn(
                task.steps, reset_num_timesteps=False, callback=[watch, *recycler, *callbacks]
            )
        finally:
            self._steps.pop(slot.name, None)
        seconds = time.perf_counter() - started
        if self._stop:
            return LearnerResult(slot, stopped=True)
        description, arrays = describe_model(model)
        played = []
        if task.play_pool:
            ids = [e.id for e in task.pool]
            played = play_pool(
                self.config,
                self.game,
                (_snapshot_id(task), NumpyPolicy.from_model(model)),
                ROLE_SIDE[slot.role],
                [(i, task.policies[i]) for i in ids],
            )
        self._held[slot.name] = (task.next_token, model)
        return LearnerResult(
            slot=slot,
            payoff=payoff,
            first=first,
            seconds=seconds,
            num_timesteps=int(model.num_timesteps),
            checkpoint=_checkpoint(model, task.next_token),
            description=description,
            arrays=arrays,
            played=played,
            scalars=scalars.rows,
        )

    def _learner(self, task: LearnerTask) -> BaseAlgorithm:
        name = task.slot.name
        held = self._held.get(name)
        if task.token is not None and held is not None and held[0] == task.token:
            return held[1]
        # A placeholder env (the task's own replaces it) to build or load the model with.
        env = self._env(task.slot.role, lambda: {CPU_ID: 1.0}, task.init_seed, {})
        if task.token is None:
            return new_learner(self.config, env, task.init_seed, None)
        if task.checkpoint is None or task.checkpoint.token != task.token:
            raise RuntimeError(f"host does not hold {name} at {task.token} and got no checkpoint")
        buffer = io.BytesIO(task.checkpoint.buffer) if task.checkpoint.buffer else None
        return load_learner(self.config, io.BytesIO(task.checkpoint.model), buffer, env, None)

    def _env(
        self,
        role: str,
        distribution: Callable[[], dict[str, float]],
        seed: int,
        policies: dict[str, NumpyPolicy],
        moves: str = "greedy",
    ):  # -> VecEnv
        """The role's envs; each episode's opponent is drawn from ``distribution()`` as it is
        then (it follows the learner's payoff); a PPO snapshot plays greedily or draws its moves
        from its policy as ``moves`` says (one of ``OPPONENT_MOVES``)."""

        def sampler(rng: np.random.Generator) -> tuple[str, Policy]:
            now = distribution()
            ids = list(now)
            p = np.array([now[i] for i in ids], dtype=np.float64)
            opponent = ids[int(rng.choice(len(ids), p=p / p.sum()))]
            if opponent == CPU_ID:
                return opponent, self.game.baseline(rng)
            if opponent == SPARRING:
                return opponent, self.game.sparring(rng)
            policy = policies[opponent]
            if policy.stochastic and (
                moves == "sample" or (moves == "mixed" and rng.random() < 0.5)
            ):
                return opponent, SampledMoves(policy, rng)
            return opponent, policy

        return make_vec_env(self.config, role, sampler, seed, self.game)


ROLE_SIDE = {"left": 0, "right": 1}


def opponent_moves(config: LeagueConfig, kind: str) -> str:
    """How a PPO snapshot moves as a training opponent of a learner of this kind."""
    return config.opponent_moves if kind == MAIN else config.exploiter_opponent_moves


def untrained(config: LeagueConfig, slot: Slot, init_seed: int) -> LearnerResult:
    """A fresh learner's files, untrained (generation 0's snapshots)."""
    game = game_of(config)
    env = make_vec_env(config, slot.role, lambda rng: (CPU_ID, game.baseline(rng)), init_seed, game)
    model = new_learner(config, env, init_seed, None)
    description, arrays = describe_model(model)
    token = f"snapshots/{snapshot_id(slot.role, 0)}.zip"
    return LearnerResult(
        slot, checkpoint=_checkpoint(model, token), description=description, arrays=arrays
    )


# A learner's checkpoint as bytes, read from the run (the coordinator's).
CheckpointOf = Callable[[Slot], Checkpoint | None]
# (generation, label, steps) -> an SB3 callback that shows the learner's progress.
ProgressFactory = Callable[[int, str, int], Any]


def attach_checkpoint(task: LearnerTask, held: dict[str, str], checkpoint_of: CheckpointOf) -> None:
    """Give the task its checkpoint's bytes unless the host holds the learner at that
    checkpoint (``held``: slot name -> token, as :meth:`LearnerHost.holds` says)."""
    task.checkpoint = None
    if task.token is not None and held.get(task.slot.name) != task.token:
        task.checkpoint = checkpoint_of(task.slot)


class Hosts(Protocol):
    """Where a league's learners train and its pool games are played: :class:`LocalHosts` (this
    process) or :class:`league.parallel.RayHosts` (Ray actors and tasks)."""

    def train(
        self,
        tasks: list[LearnerTask],
        checkpoint_of: CheckpointOf,
        progress: ProgressFactory | None,
        stopping: Callable[[], bool],
    ) -> list[LearnerResult]:
        """Every task's answer, in the tasks' order.

        :param checkpoint_of: a learner's checkpoint bytes, for a host that does not hold it.
        :param progress: ``(generation, label, steps) -> SB3 callback`` (a progress bar).
        :param stopping: true once the user asked to stop (the answers then say ``stopped``).
        """
        ...

    def play_pool(
        self, player: tuple[str, Policy], side: int, opponents: list[tuple[str, Policy]]
    ) -> list[MatchResult]:
        """:func:`play_pool` with the league's config."""
        ...

    def close(self) -> None: ...


class LocalHosts:
    """One :class:`LearnerHost` in this process: the tasks one after the other.

    :param config: the league's config.
    """

    def __init__(self, config: LeagueConfig) -> None:
        self.config = config
        self.host = LearnerHost(config)

    def train(
        self,
        tasks: list[LearnerTask],
        checkpoint_of: CheckpointOf,
        progress: ProgressFactory | None,
        stopping: Callable[[], bool],
    ) -> list[LearnerResult]:
        answers = []
        for task in tasks:
            attach_checkpoint(task, self.host.holds(), checkpoint_of)
            callbacks: list[BaseCallback] = [_Stopping(self.host, stopping)]
            if progress is not None:
                callbacks.append(progress(task.generation, label(task.slot), task.steps))
            answers.append(self.host.train(task, callbacks))
            if answers[-1].stopped:
                break
        return answers

    def play_pool(
        self, player: tuple[str, Policy], side: int, opponents: list[tuple[str, Policy]]
    ) -> list[MatchResult]:
        return play_pool(self.config, self.host.game, player, side, opponents)

    def close(self) -> None:
        pass


def label(slot: Slot) -> str:
    """A learner's name in progress bars: ``left``, ``left me``, ``right le1``."""
    if slot.kind == MAIN:
        return slot.role
    return f"{slot.role} {SUFFIX[slot.kind]}{slot.index or ''}"


def play_pool(
    config: LeagueConfig,
    game: Any,
    player: tuple[str, Policy],
    side: int,
    opponents: list[tuple[str, Policy]],
) -> list[MatchResult]:
    """``player`` on ``side`` against ``opponents`` and then the CPU, ``eval_games`` games each,
    in batches of :data:`EVAL_BATCH` opponents (see :func:`eval_batches`)."""
    results = []
    for batch in eval_batches(config, game, opponents):
        results += play_batch(config, game, player, side, batch)
    return results


def eval_batches(
    config: LeagueConfig, game: Any, opponents: list[tuple[str, Policy]]
) -> list[list[tuple[str, Policy]]]:
    """The opponents (the CPU appended, built from ``eval_seed``) in batches of
    :data:`EVAL_BATCH`: the games of one batch run together, the batches anywhere."""
    cpu = game.baseline(np.random.default_rng(config.eval_seed))
    everyone = [*opponents, (CPU_ID, cpu)]
    return [everyone[i : i + EVAL_BATCH] for i in range(0, len(everyone), EVAL_BATCH)]


def play_batch(
    config: LeagueConfig,
    game: Any,
    player: tuple[str, Policy],
    side: int,
    batch: list[tuple[str, Policy]],
) -> list[MatchResult]:
    """One batch of :func:`eval_batches`: seeded games, the same seeds for every opponent."""
    return game.evaluate(player, side, batch, config.eval_games, config.eval_seed)


def _snapshot_id(task: LearnerTask) -> str:
    return snapshot_id(task.slot.role, task.generation, task.slot.kind, task.slot.index)


def _checkpoint(model: BaseAlgorithm, token: str) -> Checkpoint:
    zip_file = io.BytesIO()
    model.save(zip_file)
    buffer = None
    if isinstance(model, OffPolicyAlgorithm):
        pkl = io.BytesIO()
        model.save_replay_buffer(pkl)
        buffer = pkl.getvalue()
    return Checkpoint(token, zip_file.getvalue(), buffer)


class _Scalars(KVWriter):
    """SB3's logger output that keeps the scalars its TensorBoard output would write."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, int]] = []

    def write(self, key_values: dict, key_excluded: dict, step: int = 0) -> None:
        for key, value in key_values.items():
            excluded = key_excluded.get(key)
            if excluded is not None and "tensorboard" in excluded:
                continue
            if isinstance(value, (int, float, np.integer, np.floating)):
                self.rows.append((key, float(value), int(step)))

    def close(self) -> None:
        pass


class _Stopping(BaseCallback):
    """Asks the host to stop once ``stopping()`` (the coordinator's Ctrl-C) is true."""

    def __init__(self, host: LearnerHost, stopping: Callable[[], bool]) -> None:
        super().__init__()
        self.host, self.stopping = host, stopping

    def _on_step(self) -> bool:
        if self.stopping():
            self.host.stop()
        return True


class _Watch(BaseCallback):
    """Counts the task's steps, stops it on request, and adds the outcome of every training
    episode, as it ends, to the learner's payoff."""

    def __init__(self, host: LearnerHost, name: str, payoff: Payoff) -> None:
        super().__init__()
        self.host, self.name, self.payoff = host, name, payoff

    def _on_training_start(self) -> None:
        self._start = self.num_timesteps

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"], strict=True):
            if done:
                own, other = info["score"]
                self.payoff.add(info["opponent_id"], 1.0 if own > other else 0.5 * (own == other))
        self.host._steps[self.name] = self.num_timesteps - self._start
        return not self.host._stop
