"""The league on Ray against the league in one process, side by side in one run (README, Speed).

1. Ray's start-up: a local Ray instance of 2 CPUs and its 2 learner actors, ready.
2. A league generation: ``pong-league train --generations G`` of the default league (generation
   0, then per generation the main agent's 100,000 steps beside two exploiters' 50,000 each)
   with ``--workers 1`` and ``--workers 2``: the generations' seconds from ``train.log``
   (target: <= 0.6x), and each command timed whole (Ray's start-up and shutdown included);
   ``--schedule simultaneous --generations 2`` times a round of both roles at once.
   The two runs' snapshots must be byte-identical.
3. Evaluation: one snapshot against 32 snapshots x 32 games (and the CPU), in this process and
   on 2 warm Ray actors. Target: <= 0.65x; also quoted with the start-up of item 1 added.

Snapshots for item 3 come from a league run (``--run``), else from untrained networks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_league import load_pool

from league.config import LeagueConfig
from league.hosts import LocalHosts

ROOT = Path(__file__).resolve().parent.parent


def generation_seconds(run: Path) -> list[float]:
    """Each generation's seconds as its line in ``train.log`` says (training, evaluation and
    commit; Ray's start-up is not in them)."""
    lines = (run / "train.log").read_text().splitlines()
    return [float(m.group(1)) for m in map(GENERATION_LINE.search, lines) if m]


GENERATION_LINE = re.compile(r"^gen +\d+ .*\((\d+)s, ")


def train_seconds(
    run: Path, workers: int, generations: int, steps: int | None, schedule: str
) -> float:
    args = [sys.executable, "-m", "league.cli", "train", "--run-dir", str(run), "--no-progress"]
    args += ["--generations", str(generations), "--workers", str(workers)]
    args += ["--schedule", schedule]
    if steps is not None:
        args += ["--steps-per-generation", str(steps)]
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def weights(run: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((run / "snapshots").glob("*.npz"))
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--generations", type=int, default=1, help="league generations (default 1)")
    p.add_argument("--steps-per-generation", type=int, help="main agent's steps (default 100k)")
    p.add_argument(
        "--schedule",
        choices=("alternate", "simultaneous"),
        default="alternate",
        help="the league's schedule (default alternate; simultaneous needs --generations 2+)",
    )
    p.add_argument("--run", type=Path, help="a league run whose snapshots item 3 plays")
    p.add_argument("--opponents", type=int, default=32)
    p.add_argument("--games", type=int, default=32)
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--eval-only", action="store_true", help="items 1 and 3 only (seconds)")
    args = p.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    from league.parallel import RayHosts, ray_session

    config = LeagueConfig(eval_games=args.games)
    figures: dict[str, float] = {}

    # 3 first (one process, then Ray), with 1 timed inside the same Ray session.
    pool = load_pool(args.run, args.opponents + 1, config)
    player, opponents = pool[0], pool[1:]
    started = time.perf_counter()
    local = LocalHosts(config).play_pool(player, 0, opponents)
    figures["eval_1_worker_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with ray_session(2):
        hosts = RayHosts(config, 2)
        hosts.pids()  # both actors up
        figures["ray_startup_s"] = time.perf_counter() - started
        # Warm: the engine compiled in each actor, for each side (a pool of one opponent is
        # one batch, which play_pool would send to the first actor only).
        ray.get(
            [
                a.play_batch.remote(player, side, opponents[:1])
                for a in hosts.actors
                for side in (0, 1)
            ]
        )
        started = time.perf_counter()
        remote = hosts.play_pool(player, 0, opponents)
        figures["eval_2_workers_s"] = time.perf_counter() - started
        hosts.close()
    assert [(r.b, r.wins, r.losses) for r in remote] == [(r.b, r.wins, r.losses) for r in local]
    games = len(local) * args.games
    figures["eval_ratio"] = figures["eval_2_workers_s"] / figures["eval_1_worker_s"]
    figures["eval_ratio_with_startup"] = (
        figures["eval_2_workers_s"] + figures["ray_startup_s"]
    ) / figures["eval_1_worker_s"]

    print(f"Ray start-up (2 CPUs, 2 actors ready): {figures['ray_startup_s']:.1f} s")
    print(
        f"evaluation, 1 snapshot vs {args.opponents} snapshots and the CPU x {args.games} games "
        f"({games} games): {figures['eval_1_worker_s']:.1f} s on 1 worker, "
        f"{figures['eval_2_workers_s']:.1f} s on 2 warm actors: {figures['eval_ratio']:.2f}x "
        f"(target <= 0.65x) {'PASS' if figures['eval_ratio'] <= 0.65 else 'FAIL'}; "
        f"{figures['eval_ratio_with_startup']:.2f}x with Ray's start-up",
        flush=True,
    )
    same = None if args.eval_only else league_figures(args, figures)
    if args.json:
        args.json.write_text(json.dumps({**figures, "snapshots_identical": same}, indent=2))


def league_figures(args: argparse.Namespace, figures: dict[str, float]) -> bool:
    """Item 2: the league trained with 1 and 2 workers; whether their snapshots are the same."""
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp) / "one", Path(tmp) / "two"
        steps = args.steps_per_generation
        for workers, run in ((1, one), (2, two)):
            seconds = train_seconds(run, workers, args.generations, steps, args.schedule)
            figures[f"league_{workers}_worker{'s' if workers > 1 else ''}_s"] = seconds
        same = weights(one) == weights(two)
        figures["generations_1_worker_s"] = sum(generation_seconds(one))
        figures["generations_2_workers_s"] = sum(generation_seconds(two))
    figures["league_ratio"] = figures["league_2_workers_s"] / figures["league_1_worker_s"]
    ratio = figures["generations_2_workers_s"] / figures["generations_1_worker_s"]
    figures["generations_ratio"] = ratio
    print(
        f"league generations 1-{args.generations} of the default league, {args.schedule} "
        f"schedule (their train.log seconds): {figures['generations_1_worker_s']:.0f} s on 1 "
        f"worker, {figures['generations_2_workers_s']:.0f} s on 2: {ratio:.2f}x "
        f"(target <= 0.6x) {'PASS' if ratio <= 0.6 else 'FAIL'}; snapshots byte-identical: {same}"
    )
    print(
        f"the whole train command (generation 0, Ray's start-up and shutdown included): "
        f"{figures['league_1_worker_s']:.0f} s on 1 worker, "
        f"{figures['league_2_workers_s']:.0f} s on 2: {figures['league_ratio']:.2f}x"
    )
    return same


if __name__ == "__main__":
    main()
