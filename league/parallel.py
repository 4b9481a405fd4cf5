"""The league on Ray: learners in Ray actors, pool games in batches on them.

``pong-league train --workers N`` starts a local Ray instance of N CPUs for the command (or joins
a cluster with ``--address``) and hands :class:`league.trainer.League` a :class:`RayHosts`: N
actors, each a :class:`league.hosts.LearnerHost` holding one CPU. A generation's learners (the
main agent and the exploiters, which do not need each other's new snapshot) train at once: the
main agent on actor 0, the exploiters on the others. Tasks and answers are data
(:mod:`league.hosts`), so an actor needs no shared disk; the coordinator alone writes the run.

Results do not depend on the worker count: a learner's randomness comes from its task's seeds,
an actor trains one task at a time, and the answers and the batches' games are merged in a
fixed order. An actor that dies (``kill -9``) is started again and its task redone from the
learner's last checkpoint, which gives the same answer.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from envs.scripted import Policy
from league.agents import MAIN, MAIN_EXPLOITER, Slot
from league.config import LeagueConfig
from league.errors import LeagueError
from league.games import game_of
from league.hosts import (
    CheckpointOf,
    LearnerHost,
    LearnerResult,
    LearnerTask,
    ProgressFactory,
    attach_checkpoint,
    eval_batches,
    label,
)
from league.results import MatchResult

INSTALL = "pip install -e '.[ray]'"
POLL_SECONDS = 0.5


@contextmanager
def ray_session(workers: int | None, address: str | None = None) -> Iterator[int]:
    """Ray for the command: a local instance of ``workers`` CPUs, or the cluster at ``address``
    (``auto`` or ``HOST:PORT``); shut down (the local instance stopped) when the block ends.
    Yields the number of workers: ``workers``, or the cluster's CPUs if ``None``.

    :raises LeagueError: Ray is not installed, nothing answers at ``address``, or the cluster
        has fewer than ``workers`` CPUs.
    """
    # Ray's usage statistics would be sent off this machine; its dashboard is not needed.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Ray runs its workers at nice 15: beside any other busy process they would crawl.
    os.environ.setdefault("RAY_worker_niceness", "0")
    try:
        import ray
    except ImportError:
        raise LeagueError(
            f"--workers {workers or 'N'} trains on Ray, which is not installed: {INSTALL} "
            "(or use --workers 1)"
        ) from None
    if address is not None:
        _check_reachable(address)
    try:
        if address is None:
            ray.init(
                address="local",  # a new instance, even where RAY_ADDRESS names a cluster
                num_cpus=workers or 1,
                num_gpus=0,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                logging_level="ERROR",
                log_to_driver=False,
            )
        else:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise LeagueError(
            f"--address {address}: could not join a Ray cluster ({first}); start one with "
            "`ray start --head`, or leave --address out to train on this machine"
        ) from None
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        workers = workers or cpus
        if cpus < workers:
            raise LeagueError(
                f"--workers {workers}: the Ray cluster at {address} has {cpus} CPUs; "
                f"give --workers {max(cpus, 1)} or fewer, or add nodes"
            )
        yield workers
    finally:
        ray.shutdown()


def _check_reachable(address: str) -> None:
    """A ``HOST:PORT`` that nothing listens on is refused in seconds, not after Ray's timeouts."""
    if address == "auto":
        return
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise LeagueError(f"--address {address}: give auto or HOST:PORT (e.g. 10.0.0.5:6379)")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise LeagueError(
            f"--address {address}: no Ray cluster answers there ({err.strerror or err}); "
            "start one with `ray start --head`, or leave --address out to train on this machine"
        ) from None


@dataclass
class _Job:
    """One call on an actor: a training task (``task``) or a batch of pool games (``batch``)."""

    index: int
    task: LearnerTask | None = None
    batch: tuple[tuple[str, Policy], int, list[tuple[str, Policy]]] | None = None


def placement(slot: Slot, workers: int, schedule: str) -> int:
    """The actor (of ``workers``) that always trains ``slot``, so that a learner stays in
    its memory and the learners that train at once run beside each other.

    In the alternate schedule a generation trains one role's learners: the main agent on actor
    0, the exploiters on the others. In the simultaneous schedule both roles train at once: the
    actors are split between the roles (the left role's half first), and each role's learners
    are placed on its half as above. On 2 workers that puts each role's main agent and
    exploiters (100,000 + 2 x 50,000 steps by default) on one actor.
    """
    actors = list(range(workers))
    if schedule == "simultaneous" and workers > 1:
        half = workers // 2
        actors = actors[:half] if slot.role == "left" else actors[half:]
    if slot.kind == MAIN or len(actors) == 1:
        return actors[0]
    exploiter = (1 if slot.kind == MAIN_EXPLOITER else 2) + 2 * slot.index
    return actors[1 + (exploiter - 1) % (len(actors) - 1)]


class RayHosts:
    """:class:`league.hosts.Hosts` on Ray: ``workers`` actors of one CPU each.

    Each actor runs one call at a time (calls are queued here, per actor, in a fixed order);
    its ``progress`` and ``stop`` are answered meanwhile (a threaded actor).

    :param config: the league's config.
    :param workers: actors to start (inside :func:`ray_session`).
    :param warn: where a restarted actor is reported (one line).
    """

    def __init__(
        self,
        config: LeagueConfig,
        workers: int,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        import ray

        self._ray = ray
        self.config = config
        self.game = game_of(config)  # the CPU player of the evaluation batches
        self._actor_class = ray.remote(num_cpus=1, max_concurrency=3)(LearnerHost)
        self.actors = [self._start() for _ in range(workers)]
        self.held: list[dict[str, str]] = [{} for _ in range(workers)]
        self.warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))

    def _start(self) -> Any:
        return self._actor_class.options(scheduling_strategy="SPREAD").remote(self.config)

    def actor_of(self, slot: Slot) -> int:
        """The actor a learner always trains on (see :func:`placement`)."""
        return placement(slot, len(self.actors), self.config.schedule)

    def pids(self) -> list[int]:
        """The actors' process ids (a test kills one)."""
        return self._ray.get([a.pid.remote() for a in self.actors])

    # ------------------------------------------------------------------ the Hosts protocol

    def train(
        self,
        tasks: list[LearnerTask],
        checkpoint_of: CheckpointOf,
        progress: ProgressFactory | None,
        stopping: Callable[[], bool],
    ) -> list[LearnerResult]:
        jobs = [_Job(i, task=t) for i, t in enumerate(tasks)]
        bars = _Bars(tasks) if progress is not None else None
        try:
            answers = self._run(
                jobs, [self.actor_of(t.slot) for t in tasks], checkpoint_of, stopping, bars
            )
        finally:
            if bars is not None:
                bars.close()
        return answers

    def play_pool(
        self, player: tuple[str, Policy], side: int, opponents: list[tuple[str, Policy]]
    ) -> list[MatchResult]:
        batches = eval_batches(self.config, self.game, opponents)
        jobs = [_Job(i, batch=(player, side, b)) for i, b in enumerate(batches)]
        where = [i % len(self.actors) for i in range(len(batches))]
        answers = self._run(jobs, where, lambda slot: None, lambda: False, None)
        return [r for batch in answers for r in batch]

    def close(self) -> None:
        for actor in self.actors:
            self._ray.kill(actor)
        self.actors = []

    # ------------------------------------------------------------------ scheduling

    def _run(
        self,
        jobs: list[_Job],
        where: list[int],
        checkpoint_of: CheckpointOf,
        stopping: Callable[[], bool],
        bars: _Bars | None,
    ) -> list[Any]:
        """Every job's answer in the jobs' order; each actor runs its jobs one at a time, in
        order, and a dead actor is started again and its job redone."""
        ray = self._ray
        queues: dict[int, list[_Job]] = {}
        for job, a in zip(jobs, where, strict=True):
            queues.setdefault(a, []).append(job)
        answers: list[Any] = [None] * len(jobs)
        running: dict[Any, tuple[int, _Job]] = {}
        stop_sent = False

        def submit(a: int) -> None:
            if queues.get(a) and not stop_sent:
                job = queues[a].pop(0)
                running[self._call(a, job, checkpoint_of)] = (a, job)

        for a in list(queues):
            submit(a)
        while running:
            ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_SECONDS)
            for ref in ready:
                a, job = running.pop(ref)
                try:
                    answer = ray.get(ref)
                except ray.exceptions.RayActorError:
                    self._restart(a, job)
                    running[self._call(a, job, checkpoint_of)] = (a, job)
                    continue
                answers[job.index] = answer
                if job.task is not None:
                    self.held[a][job.task.slot.name] = job.task.next_token
                submit(a)
            if stopping() and not stop_sent:
                for actor in self.actors:
                    actor.stop.remote()
                stop_sent = True
            if bars is not None:
                bars.update(self._progress())
        for job in jobs:  # not started: stopped before their turn
            if answers[job.index] is None and job.task is not None:
                answers[job.index] = LearnerResult(job.task.slot, stopped=True)
        return answers

    def _call(self, a: int, job: _Job, checkpoint_of: CheckpointOf) -> Any:
        actor = self.actors[a]
        if job.task is None:
            assert job.batch is not None
            return actor.play_batch.remote(*job.batch)
        attach_checkpoint(job.task, self.held[a], checkpoint_of)
        return actor.train.remote(job.task)

    def _restart(self, a: int, job: _Job) -> None:
        what = f"learner {label(job.task.slot)}" if job.task else "a batch of pool games"
        self.warn(
            f"warning: Ray worker {a} died; starting it again and redoing {what} "
            "from its last checkpoint"
        )
        try:
            self._ray.kill(self.actors[a])
        except Exception:  # already gone
            pass
        self.actors[a] = self._start()
        self.held[a] = {}

    def _progress(self) -> dict[str, int]:
        ray = self._ray
        steps: dict[str, int] = {}
        refs = [a.progress.remote() for a in self.actors]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=POLL_SECONDS)
        for ref in ready:
            try:
                steps.update(ray.get(ref))
            except ray.exceptions.RayActorError:
                pass
        return steps


class _Bars:
    """A tqdm bar per learner of a generation (``position`` keeps them on their own lines)."""

    def __init__(self, tasks: list[LearnerTask]) -> None:
        from tqdm import tqdm

        self.bars = {
            t.slot.name: tqdm(
                total=t.steps,
                desc=f"gen {t.generation:>3} {label(t.slot):<9}",
                unit="step",
                unit_scale=True,
                leave=False,
                position=i,
                file=sys.stderr,
                dynamic_ncols=True,
            )
            for i, t in enumerate(tasks)
        }
        self.started = time.perf_counter()

    def update(self, steps: dict[str, int]) -> None:
        for name, done in steps.items():
            bar = self.bars.get(name)
            if bar is not None and done > bar.n:
                bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
