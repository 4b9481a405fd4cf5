"""League speed, measured side by side in one run (quoted in the README).

1. League overhead: a DQN learner's env steps/s against a pool of 10 frozen snapshots (numpy
   inference, opponent drawn at every episode) over the same learner's steps/s against the
   scripted CPU. Target: >= 0.9.
2. The league's DQN (``league.dqn.LeagueDQN``, the same weights bit for bit) against SB3's own
   ``DQN``: env steps/s of each learner against the CPU, alternated, and their ratio.
   And the league's vec env (``league.learners.SeatVecEnv``) against SB3's ``DummyVecEnv``,
   which deep-copies every step's observations and infos: the same learner, the same weights.
3. Evaluation: one new snapshot against a pool of 32 snapshots, 32 games each, through the
   batched engine. Target: <= 30 s on one core.

Snapshots come from a league run (``--run runs/<name>``, cycled up to the pool size), or, without
one, from untrained networks (their games are shorter than real ones: prefer a run).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from stable_baselines3.common.vec_env import DummyVecEnv

from envs import PongVsOpponent, rules, scripted
from envs.scripted import Policy
from league.config import LeagueConfig
from league.dqn import LeagueDQN
from league.evaluation import evaluate_against
from league.learners import log_nowhere, make_vec_env, new_learner
from league.policies import NumpyPolicy
from league.store import LeagueStore


def pin_one_core() -> None:
    """The figures are per core: one CPU, one thread everywhere."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    torch.set_num_threads(1)


def run_snapshots(run: Path) -> list[tuple[str, Policy]]:
    """Every snapshot of a league run, oldest first, in numpy form."""
    with LeagueStore.open(run, readonly=True) as store:
        return [(s.id, NumpyPolicy.load(run / s.npz_path)) for s in store.snapshots()]


def load_pool(run: Path | None, size: int, config: LeagueConfig) -> list[tuple[str, Policy]]:
    if run is not None:
        found = run_snapshots(run)
        return [found[i % len(found)] for i in range(size)]
    pool = []
    for i in range(size):
        env = PongVsOpponent(config.game_rules())
        model = new_learner(config, env, seed=i, tb_dir=None)  # type: ignore[arg-type]
        pool.append((f"untrained-{i}", NumpyPolicy.from_model(model)))
    return pool


def learner_steps_per_second(
    config: LeagueConfig,
    pool: list[tuple[str, Policy]],
    steps: int,
    sb3_dqn: bool = False,
    dummy_vec_env: bool = False,
) -> float:
    """A DQN learner training ``steps`` env steps against ``pool`` (drawn per episode), on the
    league's own vec env of its seat envs (``make_vec_env``).

    :param sb3_dqn: SB3's own ``DQN`` class instead of the league's.
    :param dummy_vec_env: SB3's ``DummyVecEnv`` instead of the league's ``SeatVecEnv``.
    """

    def sampler(rng: np.random.Generator) -> tuple[str, Policy]:
        return pool[int(rng.integers(len(pool)))]

    vec_env_class = DummyVecEnv if dummy_vec_env else None
    env = make_vec_env(config, "left", sampler, seed=0, vec_env_class=vec_env_class)
    model = new_learner(config, env, seed=0, tb_dir=None)
    if sb3_dqn:  # the same hyper-parameters, network and seed in SB3's class
        from stable_baselines3 import DQN

        assert isinstance(model, LeagueDQN)
        model = DQN(
            "MlpPolicy",
            env,
            policy_kwargs=dict(model.policy_kwargs),  # the net_arch, and the features extractor
            learning_rate=model.lr_schedule,
            seed=0,
            device="cpu",
            **{k: v for k, v in config.algo_kwargs().items() if not k.startswith("learning_rate")},
        )
        log_nowhere(model)
    model.learn(config.algo_kwargs()["learning_starts"])  # warm-up: fill, compile, first updates
    start = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--run", type=Path, help="take snapshots from this league run")
    parser.add_argument("--steps", type=int, default=20_000, help="learner steps per measurement")
    parser.add_argument("--repeats", type=int, default=2, help="alternating repeats, best kept")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    pin_one_core()
    config = LeagueConfig()
    cpu = [("cpu", scripted("cpu"))]
    pool10 = load_pool(args.run, 10, config)

    vs_cpu, vs_pool, sb3, dummy = [], [], [], []
    for _ in range(args.repeats):  # alternated, so that drifts of the machine hit all alike
        vs_cpu.append(learner_steps_per_second(config, cpu, args.steps))
        vs_pool.append(learner_steps_per_second(config, pool10, args.steps))
        sb3.append(learner_steps_per_second(config, cpu, args.steps, sb3_dqn=True))
        dummy.append(learner_steps_per_second(config, pool10, args.steps, dummy_vec_env=True))
    overhead = max(vs_pool) / max(vs_cpu)
    lean_ratio = max(vs_cpu) / max(sb3)
    vec_env_ratio = max(vs_pool) / max(dummy)

    pool32 = load_pool(args.run, 32, config)
    # The run's newest snapshot (its strongest, longest games) is the one evaluated.
    newest = run_snapshots(args.run)[-1] if args.run is not None else pool32[0]
    start = time.perf_counter()
    results = evaluate_against(rules(), newest, 0, pool32, games=32, seed=1_000_000)
    eval_seconds = time.perf_counter() - start
    games = sum(r.games for r in results)
    mean_length = sum(r.steps for r in results) / games

    source = f"snapshots of {args.run}" if args.run else "untrained networks"
    print(f"pool: {source}; one core; torch {torch.__version__}\n")
    print("| measurement | figure | target | |")
    print("|---|---|---|---|")
    print(f"| DQN learner vs scripted CPU | {max(vs_cpu):,.0f} steps/s | | |")
    print(f"| DQN learner vs pool of 10 snapshots | {max(vs_pool):,.0f} steps/s | | |")
    print(f"| ratio (league overhead) | {overhead:.2f}x | >= 0.9x | {_verdict(overhead >= 0.9)} |")
    print(f"| SB3's own DQN learner vs scripted CPU | {max(sb3):,.0f} steps/s | | |")
    print(f"| ratio (league's DQN over SB3's, same weights) | {lean_ratio:.2f}x | | |")
    print(f"| DQN learner vs pool of 10, SB3's DummyVecEnv | {max(dummy):,.0f} steps/s | | |")
    print(f"| ratio (league's SeatVecEnv over it, same weights) | {vec_env_ratio:.2f}x | | |")
    verdict = _verdict(eval_seconds <= 30)
    print(
        f"| evaluate 1 snapshot vs 32 snapshots x 32 games ({games:,} games, mean "
        f"{mean_length:,.0f} steps) | {eval_seconds:.1f} s | <= 30 s | {verdict} |"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "learner_vs_cpu_steps_per_s": max(vs_cpu),
                    "learner_vs_pool_steps_per_s": max(vs_pool),
                    "overhead_ratio": overhead,
                    "sb3_dqn_vs_cpu_steps_per_s": max(sb3),
                    "league_dqn_over_sb3_dqn": lean_ratio,
                    "dummy_vec_env_vs_pool_steps_per_s": max(dummy),
                    "seat_vec_env_over_dummy_vec_env": vec_env_ratio,
                    "eval_seconds": eval_seconds,
                    "eval_games": games,
                    "eval_mean_game_length": mean_length,
                    "pool": source,
                },
                indent=2,
            )
        )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    main()
